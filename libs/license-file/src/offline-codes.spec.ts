import { createHash } from 'node:crypto';
import { encodeCrockfordBase32, groupSymbols } from './crockford-base32';
import { generateSigningKeyPair } from './keys';
import {
  createReleaseCode,
  createRequestCode,
  createResponseCode,
  createReturnKey,
  fingerprintDigest,
  OfflineRequest,
  parseRequestCode,
  returnKeyHashOf,
  verifyResponseCode,
} from './offline-codes';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const vendorKey = generateSigningKeyPair();
const publicKeys = { [vendorKey.keyId]: vendorKey.publicKeyPem };
const containerId = '01960000-0000-7000-8000-0000000000c1';
const licenseId = '01960000-0000-7000-8000-0000000000a1';
const fingerprint = 'board:XJ-42|disk:9f2c';
const validUntil = new Date('2025-06-30T00:00:00.000Z');
const beforeEnd = new Date('2025-06-01T00:00:00.000Z');

/** What the portal does with a pasted request code: parse it, then answer it. */
function answer(requestCode: string, signer = vendorKey, until: Date | null = validUntil): string {
  const parsed = parseRequestCode(requestCode);
  if (!parsed.ok) throw new Error(parsed.message);
  return createResponseCode({
    request: parsed.request,
    licenseId,
    validUntil: until,
    privateKey: signer.privateKeyPem,
    keyId: signer.keyId,
  });
}

function replaceSymbol(code: string, index: number, symbol: string): string {
  return `${code.slice(0, index)}${symbol}${code.slice(index + 1)}`;
}

describe('offline request codes', () => {
  const request = createRequestCode({ kind: 'activate', containerId, fingerprint });

  // What the server reads from the code: everything but the program's secret return key.
  const { returnKey, ...requestAsRead } = request;

  it('carries kind, container, fingerprint digest, nonce and the return key hash in 124 symbols grouped by five', () => {
    expect(request).toMatchObject({
      kind: 'activate',
      format: 2,
      containerId,
      fingerprintDigest: fingerprintDigest(fingerprint),
    });
    expect(request.fingerprintDigest).toBe(createHash('sha256').update(fingerprint).digest('hex').slice(0, 32));
    expect(request.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(returnKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(request.returnKeyHash).toBe(
      createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url'),
    );
    expect(request.returnKeyHash).toBe(returnKeyHashOf(returnKey));
    expect(request.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){23}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(request.code).toHaveLength(148);
    expect(parseRequestCode(request.code)).toEqual({ ok: true, request: requestAsRead });
    expect(request.code).not.toContain(returnKey);
  });

  it('release codes reveal the return key (format 2); without a key they are the legacy format 1, which proves nothing', () => {
    const release = createReleaseCode({ containerId, fingerprint, returnKey });
    const parsed = parseRequestCode(release.code);
    expect(parsed).toMatchObject({ ok: true, request: { kind: 'deactivate', format: 2, returnKey } });
    expect(parsed.ok && returnKeyHashOf(parsed.request.returnKey as string)).toBe(request.returnKeyHash);
    const legacy = createReleaseCode({ containerId, fingerprint });
    expect(legacy.code.replace(/-/g, '')).toHaveLength(72);
    const legacyParsed = parseRequestCode(legacy.code);
    expect(legacyParsed).toMatchObject({ ok: true, request: { kind: 'deactivate', format: 1 } });
    expect(legacyParsed.ok && legacyParsed.request.returnKey).toBeUndefined();
    expect(() => createReleaseCode({ containerId, fingerprint, returnKey: 'short' })).toThrow(TypeError);
  });

  it('a renewal reuses the return key, so it commits to the same hash', () => {
    const renewal = createRequestCode({ kind: 'activate', containerId, fingerprint, returnKey });
    expect(renewal.returnKeyHash).toBe(request.returnKeyHash);
    expect(renewal.nonce).not.toBe(request.nonce);
  });

  it('a response binds the return key hash: one made for a request with another hash (same nonce) does not verify', () => {
    const parsed = parseRequestCode(request.code);
    if (!parsed.ok) throw new Error(parsed.message);
    const forgedRequest = { ...parsed.request, returnKeyHash: returnKeyHashOf(createReturnKey()) };
    const response = createResponseCode({
      request: forgedRequest,
      licenseId,
      validUntil: null,
      privateKey: vendorKey.privateKeyPem,
      keyId: vendorKey.keyId,
    });
    expect(verifyResponseCode(response, { publicKeys, request, fingerprint })).toMatchObject({
      ok: false,
      reason: 'WRONG_REQUEST',
    });
  });

  it('gets a fresh nonce every time, so no two codes are alike', () => {
    const again = createRequestCode({ kind: 'activate', containerId, fingerprint });
    expect(again.nonce).not.toBe(request.nonce);
    expect(again.code).not.toBe(request.code);
  });

  it('makes release codes as deactivate requests, and borrow requests', () => {
    const release = createReleaseCode({ containerId, fingerprint });
    expect(parseRequestCode(release.code)).toMatchObject({ ok: true, request: { kind: 'deactivate', containerId } });
    const borrow = createRequestCode({ kind: 'borrow', containerId, fingerprint });
    expect(parseRequestCode(borrow.code)).toMatchObject({ ok: true, request: { kind: 'borrow' } });
  });

  it('reads codes typed in lower case, without dashes, with spaces and line breaks, and O/I/L for 0/1', () => {
    const sloppyVariants = [
      request.code.toLowerCase(),
      request.code.replace(/-/g, ''),
      request.code.replace(/-/g, ' '),
      `  ${request.code.slice(0, 40)}\n${request.code.slice(40)}  `,
      request.code.replace(/0/g, 'O').replace(/1/g, 'l'),
      request.code.replace(/1/g, 'I').toLowerCase(),
    ];
    for (const variant of sloppyVariants)
      expect(parseRequestCode(variant)).toEqual({ ok: true, request: requestAsRead });
  });

  it('detects every single mistyped character', () => {
    const symbols = request.code.replace(/-/g, '');
    for (let index = 0; index < symbols.length; index += 1) {
      for (const symbol of ALPHABET) {
        if (symbol === symbols[index]) continue;
        expect(parseRequestCode(replaceSymbol(symbols, index, symbol))).toMatchObject({
          ok: false,
          reason: 'CHECKSUM_MISMATCH',
        });
      }
    }
  });

  it('detects swapped neighbours, a dropped character and an extra one', () => {
    const symbols = request.code.replace(/-/g, '');
    for (let index = 0; index + 1 < symbols.length; index += 1) {
      if (symbols[index] === symbols[index + 1]) continue;
      const swapped = `${symbols.slice(0, index)}${symbols[index + 1]}${symbols[index]}${symbols.slice(index + 2)}`;
      expect(parseRequestCode(swapped)).toMatchObject({ ok: false, reason: 'CHECKSUM_MISMATCH' });
    }
    expect(parseRequestCode(symbols.slice(1))).toMatchObject({ ok: false, reason: 'WRONG_LENGTH' });
    expect(parseRequestCode(`${symbols}0`)).toMatchObject({ ok: false, reason: 'WRONG_LENGTH' });
  });

  it('explains characters that cannot be in a code, and a response code pasted by mistake', () => {
    expect(parseRequestCode(replaceSymbol(request.code, 3, 'U'))).toEqual({
      ok: false,
      reason: 'INVALID_CHARACTER',
      message: '"U" cannot appear in a request code',
    });
    const response = answer(request.code);
    const parsed = parseRequestCode(response);
    expect(parsed).toMatchObject({ ok: false, reason: 'WRONG_LENGTH' });
    expect(!parsed.ok && parsed.message).toContain('looks like a response code');
  });

  it('refuses a well-checksummed code of an unknown type or kind', () => {
    for (const header of [0x30 | 1, 0x10 | 9]) {
      const body = Buffer.concat([Buffer.of(header), Buffer.alloc(40, 7)]);
      const checksum = createHash('sha256').update(body).digest().subarray(0, 4);
      const code = groupSymbols(encodeCrockfordBase32(Buffer.concat([body, checksum])));
      expect(parseRequestCode(code)).toMatchObject({ ok: false, reason: 'UNSUPPORTED_CODE' });
    }
  });

  it('refuses a container id that is not a UUID', () => {
    expect(() => createRequestCode({ kind: 'activate', containerId: 'container-1', fingerprint })).toThrow(TypeError);
  });
});

describe('offline response codes', () => {
  const request = createRequestCode({ kind: 'activate', containerId, fingerprint });
  const response = answer(request.code);

  it('installs on the machine that asked, answering its request until validUntil', () => {
    expect(response).toHaveLength(225);
    expect(verifyResponseCode(response, { publicKeys, request, fingerprint, now: beforeEnd })).toEqual({
      ok: true,
      response: {
        kind: 'activate',
        keyId: vendorKey.keyId,
        nonce: request.nonce,
        licenseId,
        validUntil,
        code: response,
      },
    });
  });

  it('accepts the stored request as its code, and a response typed sloppily', () => {
    const sloppy = response.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
    expect(verifyResponseCode(sloppy, { publicKeys, request: request.code, now: beforeEnd })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a response to another request: other nonce, container, fingerprint or kind', () => {
    const sameMachineLater = createRequestCode({ kind: 'activate', containerId, fingerprint });
    expect(verifyResponseCode(response, { publicKeys, request: sameMachineLater, now: beforeEnd })).toMatchObject({
      ok: false,
      reason: 'WRONG_REQUEST',
    });
    const forgedRequests: OfflineRequest[] = [
      { ...request, containerId: '01960000-0000-7000-8000-0000000000c2' },
      { ...request, fingerprintDigest: fingerprintDigest('another machine') },
      { ...request, kind: 'borrow' },
    ];
    for (const other of forgedRequests) {
      expect(verifyResponseCode(response, { publicKeys, request: other, now: beforeEnd })).toMatchObject({
        ok: false,
        reason: 'WRONG_REQUEST',
      });
    }
  });

  it('refuses to install on a machine other than the one that made the request', () => {
    expect(
      verifyResponseCode(response, { publicKeys, request, fingerprint: 'another machine', now: beforeEnd }),
    ).toMatchObject({
      ok: false,
      reason: 'WRONG_FINGERPRINT',
    });
  });

  it('ends at validUntil (to the second), and never when the server gave no end', () => {
    expect(
      verifyResponseCode(response, { publicKeys, request, now: new Date(validUntil.getTime() - 1) }),
    ).toMatchObject({ ok: true });
    expect(verifyResponseCode(response, { publicKeys, request, now: validUntil })).toMatchObject({
      ok: false,
      reason: 'EXPIRED',
    });
    const lateRequest = createRequestCode({ kind: 'borrow', containerId, fingerprint });
    const roundedDown = verifyResponseCode(answer(lateRequest.code, vendorKey, new Date('2025-06-30T00:00:00.999Z')), {
      publicKeys,
      request: lateRequest,
      now: beforeEnd,
    });
    expect(roundedDown).toMatchObject({ ok: true, response: { kind: 'borrow', validUntil } });
    const perpetual = answer(request.code, vendorKey, null);
    expect(verifyResponseCode(perpetual, { publicKeys, request, now: new Date('2100-01-01T00:00:00Z') })).toMatchObject(
      {
        ok: true,
        response: { validUntil: null },
      },
    );
  });

  it('fails when any character is changed, whether by a typo or on purpose', () => {
    const symbols = response.replace(/-/g, '');
    for (let index = 0; index < symbols.length; index += 1) {
      const symbol = symbols[index] === 'Z' ? 'Y' : 'Z';
      const result = verifyResponseCode(replaceSymbol(symbols, index, symbol), { publicKeys, request, now: beforeEnd });
      expect(result.ok).toBe(false);
      // keyId bytes name an unknown key, the header an unknown format, the last symbol holds padding.
      expect(['BAD_SIGNATURE', 'UNKNOWN_KEY', 'MALFORMED']).toContain(!result.ok && result.reason);
    }
  });

  it('is UNKNOWN_KEY for a key the program does not trust, and verifies across a key rotation', () => {
    const newKey = generateSigningKeyPair();
    const fromNewKey = answer(request.code, newKey);
    expect(verifyResponseCode(fromNewKey, { publicKeys, request, now: beforeEnd })).toMatchObject({
      ok: false,
      reason: 'UNKNOWN_KEY',
    });
    const rotatedKeys = { ...publicKeys, [newKey.keyId]: newKey.publicKeyPem };
    expect(verifyResponseCode(response, { publicKeys: rotatedKeys, request, now: beforeEnd })).toMatchObject({
      ok: true,
    });
    expect(verifyResponseCode(fromNewKey, { publicKeys: rotatedKeys, request, now: beforeEnd })).toMatchObject({
      ok: true,
      response: { keyId: newKey.keyId },
    });
  });

  it('refuses a response signed by a trusted key id with another key', () => {
    const impostor = generateSigningKeyPair();
    const forged = answer(request.code, { ...impostor, keyId: vendorKey.keyId });
    expect(verifyResponseCode(forged, { publicKeys, request, now: beforeEnd })).toMatchObject({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('calls codes of the wrong length or alphabet MALFORMED', () => {
    for (const code of ['', request.code, `${response}-0`, replaceSymbol(response, 0, 'U')]) {
      expect(verifyResponseCode(code, { publicKeys, request, now: beforeEnd })).toMatchObject({
        ok: false,
        reason: 'MALFORMED',
      });
    }
  });

  it('does not answer release codes, and throws on a stored request that is not a request code', () => {
    const release = createReleaseCode({ containerId, fingerprint });
    expect(() => answer(release.code)).toThrow(TypeError);
    expect(() => verifyResponseCode(response, { publicKeys, request: 'not-a-code', now: beforeEnd })).toThrow(
      TypeError,
    );
  });
});
