// A short run of the soak benchmark (scripts/bench-soak.ts; the hour is `npm run soak -- --virtual
// 3600s`): the mqtt-tls soak variant publishes once per virtual second through usernet to a real
// mosquitto on 127.0.0.1, in virtual time, and a host subscriber receives the publications.
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../scripts/bench-soak.js';
import { fixture } from '../helpers/fixtures.js';
import { requireMqttPeers } from './peers.js';

requireMqttPeers(['soak']);

describe('soak, 60 virtual seconds', () => {
  it('publishes once per virtual second: at least 55 "hello N" reach the host subscriber, no failure line, no fault', async () => {
    fixture('mqtt-tls-soak');
    const result = await runSoak({ virtualSeconds: 60 });
    expect(result.failures).toEqual([]);
    expect(result.stop.reason).toBe('timeout');
    expect(result.publishesSeen).toBeGreaterThanOrEqual(55);
    expect(result.publishesSeen).toBeLessThanOrEqual(61);
    expect(result.pubacks).toBe(result.publishesSent);
    expect(result.virtualSeconds).toBeCloseTo(60, 3);
  });
});
