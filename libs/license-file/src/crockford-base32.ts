// Crockford's base32 (https://www.crockford.com/base32.html): digits and capitals without I, L, O
// and U, so a code read aloud or retyped survives the usual confusions. Written here because this
// library ships inside vendors' programs and may depend on nothing but node:crypto.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const DECODE_TABLE: ReadonlyMap<string, number> = new Map([
  ...[...ALPHABET].map((symbol, value) => [symbol, value] as const),
  // Crockford's rule for characters people type by mistake: O is zero, I and L are one.
  ['O', 0],
  ['I', 1],
  ['L', 1],
]);

/** Bytes to symbols, most significant bit first; the last symbol is padded with zero bits. */
export function encodeCrockfordBase32(bytes: Uint8Array): string {
  let symbols = '';
  let buffer = 0;
  let bitCount = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bitCount += 8;
    while (bitCount >= 5) {
      bitCount -= 5;
      symbols += ALPHABET[(buffer >> bitCount) & 31];
    }
    buffer &= (1 << bitCount) - 1;
  }
  if (bitCount > 0) symbols += ALPHABET[(buffer << (5 - bitCount)) & 31];
  return symbols;
}

export type Base32DecodeResult =
  | { ok: true; bytes: Buffer; symbolCount: number; paddingIsZero: boolean }
  | { ok: false; invalidCharacter: string };

/**
 * Symbols to bytes, tolerant of what people do to a pasted code: lower case, spaces, line breaks,
 * dashes, and O/I/L for 0/1/1. Trailing bits that do not fill a byte are padding and dropped, so
 * callers compare `symbolCount` with `symbolCountFor(expectedBytes)` (an extra symbol at the end
 * would otherwise vanish) and refuse a non-zero padding (a changed last symbol would otherwise go
 * unnoticed, since neither checksum nor signature covers padding bits).
 */
export function decodeCrockfordBase32(text: string): Base32DecodeResult {
  const bytes: number[] = [];
  let symbolCount = 0;
  let buffer = 0;
  let bitCount = 0;
  for (const character of text.toUpperCase()) {
    if (character === '-' || /\s/.test(character)) continue;
    const value = DECODE_TABLE.get(character);
    if (value === undefined) return { ok: false, invalidCharacter: character };
    buffer = ((buffer << 5) | value) & 0xffff;
    bitCount += 5;
    symbolCount += 1;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes.push((buffer >> bitCount) & 0xff);
    }
  }
  const paddingIsZero = (buffer & ((1 << bitCount) - 1)) === 0;
  return { ok: true, bytes: Buffer.from(bytes), symbolCount, paddingIsZero };
}

/** Splits symbols into dash-separated groups (of 5 for our codes) so a person can keep their place. */
export function groupSymbols(symbols: string, groupSize = 5): string {
  const groups: string[] = [];
  for (let start = 0; start < symbols.length; start += groupSize) groups.push(symbols.slice(start, start + groupSize));
  return groups.join('-');
}

/** The number of symbols `encodeCrockfordBase32` produces for `byteLength` bytes. */
export function symbolCountFor(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}
