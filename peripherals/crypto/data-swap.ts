// DATATYPE swapping shared by HASH (RM0481 §35) and AES/SAES (§36/§37): how a 32-bit word written
// by the CPU maps onto the big-endian byte stream the algorithms work on, and back.

/** 0: no swap (32-bit data), 1: half-word swap, 2: byte swap (8-bit data), 3: bit swap (1-bit data). */
export type DataType = 0 | 1 | 2 | 3;

function reverseBits(word: number): number {
  let v = word >>> 0;
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

function byteSwap(word: number): number {
  return (((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0;
}

/** The swap is its own inverse, so the same function serves input and output. */
export function swapWord(word: number, dataType: number): number {
  switch (dataType & 3) {
    case 1: return ((word << 16) | (word >>> 16)) >>> 0;
    case 2: return byteSwap(word);
    case 3: return reverseBits(word);
    default: return word >>> 0;
  }
}

export function wordToBytes(word: number): Uint8Array {
  return new Uint8Array([word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff]);
}

export function bytesToWord(bytes: Uint8Array, offset = 0): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Four words (first word most significant) to a 16-byte block. */
export function wordsToBlock(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  for (let i = 0; i < words.length; i++) out.set(wordToBytes(words[i]!), i * 4);
  return out;
}

export function blockToWords(block: Uint8Array): number[] {
  const words: number[] = [];
  for (let i = 0; i + 4 <= block.length; i += 4) words.push(bytesToWord(block, i));
  return words;
}
