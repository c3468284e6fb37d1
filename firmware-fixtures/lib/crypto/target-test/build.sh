#!/usr/bin/env bash
# Builds crypto-check-h563.elf and crypto-check-h573.elf into firmware-fixtures/build/ (RSA test
# vectors made with openssl into a temporary folder). Run them with the simulator, e.g.
#   h5sim run firmware-fixtures/build/crypto-check-h573.elf --machine stm32h573
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../../.." && pwd)"
out="$src/build"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
openssl genrsa -out "$tmp/rsa.key" 2048 2>/dev/null
printf abc > "$tmp/msg"
openssl dgst -sha256 -sign "$tmp/rsa.key" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out "$tmp/pss.sig" "$tmp/msg"
openssl dgst -sha256 -sign "$tmp/rsa.key" -out "$tmp/pkcs1.sig" "$tmp/msg"
python3 - "$tmp" <<'PY'
import subprocess, sys
d = sys.argv[1]
n = bytes.fromhex(subprocess.run(['openssl', 'rsa', '-in', f'{d}/rsa.key', '-noout', '-modulus'],
                                 capture_output=True, text=True, check=True).stdout.strip().split('=')[1])
def arr(name, b): return f"static const uint8_t {name}[{len(b)}] = {{{', '.join(hex(x) for x in b)}}};\n"
open(f'{d}/vectors.h', 'w').write(arr('rsa_n', n) + arr('rsa_pss_sig', open(f'{d}/pss.sig', 'rb').read())
                                  + arr('rsa_pkcs1_sig', open(f'{d}/pkcs1.sig', 'rb').read()))
PY
flags=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O2 -g3 -std=gnu11 -Wall -Wextra
  -Wno-unused-parameter -ffunction-sections -fdata-sections --specs=nano.specs --specs=nosys.specs
  -nostartfiles -Wl,--gc-sections -I"$src/common" -I"$src/lib/crypto" -I"$tmp" -T"$src/common/h563.ld" -L"$src/common")
arm-none-eabi-gcc "${flags[@]}" "$here/crypto-check.c" "$src"/common/*.c "$src"/lib/crypto/*.c -o "$out/crypto-check-h563.elf"
arm-none-eabi-gcc "${flags[@]}" -DUSE_AES_PERIPHERAL=1 "$here/crypto-check.c" "$src"/common/*.c "$src"/lib/crypto/*.c \
  -o "$out/crypto-check-h573.elf"
echo "built firmware-fixtures/build/crypto-check-h563.elf and crypto-check-h573.elf"
