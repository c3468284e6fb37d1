/**
 * Where code may unmask interrupts. A pending interrupt that PRIMASK, BASEPRI or FAULTMASK holds
 * back must be taken right after the instruction that lowers the mask — `cpsid i; wfi; cpsie i;
 * cpsid i` leaves a window of one instruction. Those instructions do not trap, so the code image
 * is scanned for them and the engine's counter ends a run after one of them while an interrupt
 * is pending and masked (Engine.setUnmaskWatch). A halfword that only looks like one (data, the
 * second half of another instruction) costs one extra stop, nothing more; code outside the scanned
 * image falls back to short slices.
 */

/** Special-register numbers (SYSm) whose write may unmask: PRIMASK, BASEPRI, BASEPRI_MAX,
 * FAULTMASK and their non-secure aliases. */
const UNMASKING_SYSM = new Set([0x10, 0x11, 0x12, 0x13, 0x90, 0x91, 0x92, 0x93]);

/** True when the Thumb instruction starting with `first` (and `second`, its next halfword) is
 * CPSIE i/f or MSR to a mask register. */
export function mayUnmask(first: number, second: number): boolean {
  // CPS: 1011 0110 011 im 0 0 I F, CPSIE when im = 0 (with I or F set).
  if ((first & 0xfffc) === 0xb660 && (first & 3) !== 0) return true;
  // MSR (register): 1111 0011 1000 Rn, 1000 1000 SYSm (mask 0b10).
  return (first & 0xfff0) === 0xf380 && (second & 0xff00) === 0x8800 && UNMASKING_SYSM.has(second & 0xff);
}

/** One bit per halfword of `code` (bit (offset >> 1) & 7 of byte offset >> 4), set where
 * `mayUnmask` holds. */
export function unmaskBitmap(code: Uint8Array): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(code.byteLength / 16));
  for (let offset = 0; offset + 1 < code.byteLength; offset += 2) {
    const first = code[offset]! | (code[offset + 1]! << 8);
    // Quick rejection: both patterns start with 0xb6 or 0xf3 in the high byte.
    if ((first >> 8) !== 0xb6 && (first >> 8) !== 0xf3) continue;
    const second = offset + 3 < code.byteLength ? code[offset + 2]! | (code[offset + 3]! << 8) : 0;
    if (mayUnmask(first, second)) bitmap[offset >> 4]! |= 1 << ((offset >> 1) & 7);
  }
  return bitmap;
}
