#!/usr/bin/env bash
# Builds our firmware fixtures with Debian's arm-none-eabi-gcc into firmware-fixtures/build/.
#
# Each folder firmware-fixtures/<name>/ (except common/ and lib/) is one fixture: its .c and .S
# files plus common/*.c. Optional files in the folder:
#   uses      names of folders under firmware-fixtures/lib/ to compile in (one per line)
#   targets   which memory maps to link for: h563 (default) and/or an505 (QEMU mps2-an505)
#   variants  lines "VARIANT -DFLAG ..." build <name>-<VARIANT>.elf with extra flags
#   cflags    extra flags for every build of the fixture
# A fixture is rebuilt only when one of its inputs is newer than its output.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/firmware-fixtures"
out="$src/build"
CC=${CC:-arm-none-eabi-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-fixtures: $CC not found; install gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/setup.sh does)" >&2
  exit 1
fi
mkdir -p "$out"
base_flags=(-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16 -O2 -g3 -std=gnu11
  -Wall -Wextra -Wno-unused-parameter -ffunction-sections -fdata-sections -fno-common
  --specs=nano.specs --specs=nosys.specs -nostartfiles -Wl,--gc-sections -I"$src/common")
only="${1:-}"
built=0
for dir in "$src"/*/; do
  name="$(basename "$dir")"
  case "$name" in common|lib|build) continue ;; esac
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  sources=( "$dir"*.c )
  [ -e "${sources[0]}" ] || continue
  shopt -s nullglob
  sources+=( "$dir"*.S "$src"/common/*.c )
  includes=(-I"$dir")
  inputs=( "$dir" "$src/common" )
  if [ -f "$dir/uses" ]; then
    while read -r lib; do
      [ -z "$lib" ] && continue
      sources+=( "$src/lib/$lib"/*.c )
      includes+=(-I"$src/lib/$lib")
      inputs+=( "$src/lib/$lib" )
    done < "$dir/uses"
  fi
  shopt -u nullglob
  extra=()
  [ -f "$dir/cflags" ] && read -r -a extra < "$dir/cflags"
  targets=(h563)
  [ -f "$dir/targets" ] && mapfile -t targets < <(grep -v '^\s*$' "$dir/targets")
  variants=("default")
  [ -f "$dir/variants" ] && mapfile -t -O 1 variants < <(grep -v '^\s*$' "$dir/variants")
  newest=$(find "${inputs[@]}" -type f -printf '%T@\n' | sort -n | tail -1)
  for target in "${targets[@]}"; do
    for variant_line in "${variants[@]}"; do
      read -r variant vflags <<< "$variant_line"
      suffix=""
      [ "$variant" != "default" ] && suffix="-$variant"
      [ "$target" != "h563" ] && suffix="$suffix.$target"
      elf="$out/$name$suffix.elf"
      if [ -f "$elf" ] && [ "$(stat -c %Y "$elf")" -ge "${newest%.*}" ]; then continue; fi
      tflags=()
      [ "$target" = "an505" ] && tflags=(-DH5_TARGET_AN505=1)
      # shellcheck disable=SC2086
      "$CC" "${base_flags[@]}" "${includes[@]}" "${extra[@]}" "${tflags[@]}" $vflags \
        -T"$src/common/$target.ld" -L"$src/common" -Wl,-Map="$out/$name$suffix.map" \
        "${sources[@]}" -o "$elf"
      echo "built $(realpath --relative-to="$root" "$elf")"
      built=$((built + 1))
    done
  done
done
echo "build-fixtures: $built fixture image(s) rebuilt in firmware-fixtures/build/"
