#!/usr/bin/env bash
# Builds lib/net's protocol layers natively (software checksums, then checksums left to the "MAC")
# and runs each against usernet. Not part of the fixture build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${TMPDIR:-/tmp}/h5sim-net-host-test"
mkdir -p "$out"
sources=("$here/../net.c" "$here/../udp.c" "$here/../tcp.c" "$here/../dhcp.c" "$here/../dns.c" "$here/../sntp.c"
  "$here/host-eth.c" "$here/test-main.c")
flags=(-std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -fsanitize=address,undefined -I"$here/..")
gcc "${flags[@]}" -DNET_SW_CHECKSUM=1 "${sources[@]}" -o "$out/net-sw"
gcc "${flags[@]}" -DNET_SW_CHECKSUM=0 "${sources[@]}" -o "$out/net-offload"
cd "$root"
echo "== software checksums"
node --import tsx "$here/bridge.ts" "$out/net-sw"
echo "== checksums inserted by the MAC (CIC = 0b11), 8 s DHCP lease (renewals)"
NET_LEASE=8 node --import tsx "$here/bridge.ts" "$out/net-offload" --offload
echo "== every seventh TCP frame dropped (retransmission, out-of-order data)"
NET_DROP=7 node --import tsx "$here/bridge.ts" "$out/net-sw"
