import { randomBytes } from 'node:crypto';
import { decodeCrockfordBase32, encodeCrockfordBase32, groupSymbols, symbolCountFor } from './crockford-base32';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A second, deliberately naive implementation (via a string of bits) to check the real one against. */
function encodeViaBitString(bytes: Uint8Array): string {
  const bits = [...bytes].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  const padded = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  return (padded.match(/.{5}/g) ?? []).map((chunk) => ALPHABET[parseInt(chunk, 2)]).join('');
}

describe('Crockford base32', () => {
  it('encodes known values most significant bit first', () => {
    expect(encodeCrockfordBase32(Buffer.of(0xff))).toBe('ZW');
    expect(encodeCrockfordBase32(Buffer.from('f'))).toBe('CR');
    expect(encodeCrockfordBase32(Buffer.alloc(5))).toBe('00000000');
    expect(encodeCrockfordBase32(Buffer.alloc(0))).toBe('');
  });

  it('agrees with a naive encoder and round-trips random bytes of every length up to 64', () => {
    for (let length = 0; length <= 64; length += 1) {
      const bytes = randomBytes(length);
      const symbols = encodeCrockfordBase32(bytes);
      expect(symbols).toBe(encodeViaBitString(bytes));
      expect(symbols).toHaveLength(symbolCountFor(length));
      const decoded = decodeCrockfordBase32(symbols);
      expect(decoded).toEqual({ ok: true, bytes, symbolCount: symbols.length, paddingIsZero: true });
    }
  });

  it('reads lower case, spaces, line breaks, dashes and O/I/L as 0/1/1', () => {
    const bytes = randomBytes(20);
    const symbols = encodeCrockfordBase32(bytes);
    const sloppy = ` ${groupSymbols(symbols).toLowerCase().replace(/-/g, ' -\n')} `
      .replace(/0/g, 'o')
      .replace(/1/g, 'l');
    const decoded = decodeCrockfordBase32(sloppy);
    expect(decoded.ok && decoded.bytes.equals(bytes)).toBe(true);
    expect(decodeCrockfordBase32('I')).toEqual(decodeCrockfordBase32('1'));
  });

  it('refuses characters outside the alphabet, U included', () => {
    expect(decodeCrockfordBase32('ABCU')).toEqual({ ok: false, invalidCharacter: 'U' });
    expect(decodeCrockfordBase32('AB*C')).toEqual({ ok: false, invalidCharacter: '*' });
  });

  it('reports padding bits that are not zero', () => {
    // 'ZW' is 0xff plus two zero bits; 'ZX' carries a one in the padding.
    expect(decodeCrockfordBase32('ZX')).toMatchObject({ ok: true, bytes: Buffer.of(0xff), paddingIsZero: false });
  });

  it('groups symbols by five', () => {
    expect(groupSymbols('ABCDEFGHJKM')).toBe('ABCDE-FGHJK-M');
  });
});
