#!/usr/bin/env bash
# Sets up h5sim on a fresh Debian 12 machine, as root. Idempotent: run it again at any time.
# Installs the system packages, the npm dependencies, the engine helper, and builds the firmware
# fixtures. Says what it does; stops with the reason when something is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

packages=(
  libunicorn2 libunicorn-dev      # the CPU engine (Unicorn 2) and its header for our native helper
  gcc-arm-none-eabi libnewlib-arm-none-eabi   # builds the firmware fixtures
  build-essential                 # cc for the engine and TAP helpers
  qemu-system-arm                 # independent oracle for the exception model (mps2-an505)
  gdb-multiarch                   # GDB stub tests
  mosquitto mosquitto-clients openssl   # real broker and certificates for TLS tests
  tshark                          # capture checks
  iproute2 util-linux             # network namespaces and setpriv for TAP tests
  dnsmasq-base iputils-ping       # DHCP server and ping inside the TAP tests' namespace
)
names=()
for p in "${packages[@]}"; do names+=("$p"); done

missing=()
for p in "${names[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || fail "missing packages (${missing[*]}) and not root: run as root, or install them with apt-get"
  command -v apt-get >/dev/null || fail "apt-get not found: this script expects Debian 12 (bookworm)"
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq || fail "apt-get update failed (no network to the Debian mirror?)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
else
  say "system packages already installed"
fi

command -v node >/dev/null || fail "node not found: install Node.js 20 or newer"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node --version) is too old: h5sim needs 20.19 or newer"

say "installing npm dependencies (npm ci)"
npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"

say "building the engine helper"
node --import tsx -e "import('./emulator/core/unicorn.ts').then(m => m.checkEngineAvailable())" \
  || fail "the Unicorn engine cannot be loaded (see the message above)"

say "building firmware fixtures"
./scripts/build-fixtures.sh || fail "firmware fixtures did not build"
say "done"
