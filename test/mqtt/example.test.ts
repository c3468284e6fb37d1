// Runs the copyable example in docs/examples inside the suite (vitest registers its describe on import).
import '../../docs/examples/mqtt-tls.example.test.js';
