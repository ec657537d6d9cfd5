import { createPublicKey, verify } from 'node:crypto';
import { generateSigningKeyPair } from './keys';
import { openEnvelope, signEnvelope, SignedEnvelope } from './signed-envelope';

const vendorKey = generateSigningKeyPair();
const publicKeys = { [vendorKey.keyId]: vendorKey.publicKeyPem };
const answer = { code: 'VALID', features: ['export', 'räksmörgås ✓'], revision: 7 };

function signedAnswer(): SignedEnvelope {
  return signEnvelope('leasehold-validation', answer, vendorKey.privateKeyPem, vendorKey.keyId);
}

/** Every other base64url character at one position of a string. */
function withCharacterReplaced(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe('signed envelope', () => {
  it('round-trips a payload with non-ASCII text and names the key that signed it', () => {
    const envelope = signedAnswer();
    expect(envelope.format).toBe('leasehold-validation/1');
    expect(envelope.keyId).toBe(vendorKey.keyId);
    expect(JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8'))).toEqual(answer);
    expect(openEnvelope(envelope, 'leasehold-validation', publicKeys)).toEqual({
      ok: true,
      payload: answer,
      keyId: vendorKey.keyId,
    });
  });

  it('signs the ASCII bytes of "<format>.<payload>", as the documentation tells verifiers', () => {
    const envelope = signedAnswer();
    const message = Buffer.from(`${envelope.format}.${envelope.payload}`, 'ascii');
    const publicKey = createPublicKey(vendorKey.publicKeyPem);
    expect(verify(null, message, publicKey, Buffer.from(envelope.signature, 'base64url'))).toBe(true);
    expect(Buffer.from(envelope.signature, 'base64url')).toHaveLength(64);
  });

  it('still verifies after the envelope was re-serialised with other whitespace and key order', () => {
    const envelope = signedAnswer();
    const reordered = JSON.parse(
      JSON.stringify(
        { signature: envelope.signature, payload: envelope.payload, keyId: envelope.keyId, format: envelope.format },
        null,
        4,
      ),
    );
    expect(openEnvelope(reordered, 'leasehold-validation', publicKeys)).toMatchObject({ ok: true });
  });

  it('fails when any character of the payload or of the signature is changed', () => {
    const envelope = signedAnswer();
    for (const field of ['payload', 'signature'] as const) {
      for (let index = 0; index < envelope[field].length; index += 1) {
        const tampered = { ...envelope, [field]: withCharacterReplaced(envelope[field], index) };
        const result = openEnvelope(tampered, 'leasehold-validation', publicKeys);
        expect(result.ok).toBe(false);
        // The last character can also carry padding bits, whose change makes the text non-canonical.
        expect(['BAD_SIGNATURE', 'MALFORMED']).toContain(!result.ok && result.reason);
      }
    }
  });

  it('fails when any byte of the payload JSON is changed and re-encoded', () => {
    const envelope = signedAnswer();
    const json = Buffer.from(envelope.payload, 'base64url');
    for (let index = 0; index < json.length; index += 1) {
      const altered = Buffer.from(json);
      altered[index] ^= 0x01;
      const tampered = { ...envelope, payload: altered.toString('base64url') };
      expect(openEnvelope(tampered, 'leasehold-validation', publicKeys)).toEqual({
        ok: false,
        reason: 'BAD_SIGNATURE',
      });
    }
  });

  it('refuses an envelope of another kind, and one relabelled as another kind', () => {
    const envelope = signedAnswer();
    expect(openEnvelope(envelope, 'leasehold-license', publicKeys)).toEqual({ ok: false, reason: 'WRONG_FORMAT' });
    const relabelled = { ...envelope, format: 'leasehold-license/1' };
    expect(openEnvelope(relabelled, 'leasehold-license', publicKeys)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(openEnvelope({ ...envelope, format: 'leasehold-validation/2' }, 'leasehold-validation', publicKeys)).toEqual(
      {
        ok: false,
        reason: 'WRONG_FORMAT',
      },
    );
  });

  it('refuses keys it does not trust, including names inherited from Object.prototype', () => {
    const envelope = signedAnswer();
    const otherKey = generateSigningKeyPair();
    expect(openEnvelope(envelope, 'leasehold-validation', { [otherKey.keyId]: otherKey.publicKeyPem })).toEqual({
      ok: false,
      reason: 'UNKNOWN_KEY',
    });
    for (const keyId of ['constructor', '__proto__', 'toString']) {
      expect(openEnvelope({ ...envelope, keyId }, 'leasehold-validation', publicKeys)).toEqual({
        ok: false,
        reason: 'UNKNOWN_KEY',
      });
    }
    // The keyId is a hint, not trust: pointing it at another trusted key fails the signature.
    const bothKeys = { ...publicKeys, [otherKey.keyId]: otherKey.publicKeyPem };
    expect(openEnvelope({ ...envelope, keyId: otherKey.keyId }, 'leasehold-validation', bothKeys)).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('calls anything that is not a well-formed envelope MALFORMED', () => {
    const envelope = signedAnswer();
    const malformed: unknown[] = [
      null,
      'text',
      [envelope],
      { ...envelope, payload: undefined },
      { ...envelope, keyId: 42 },
      { ...envelope, payload: `${envelope.payload}=` },
      { ...envelope, payload: `${envelope.payload.slice(0, 10)}+${envelope.payload.slice(11)}` },
      { ...envelope, signature: envelope.signature.slice(0, -4) },
    ];
    for (const value of malformed) {
      expect(openEnvelope(value, 'leasehold-validation', publicKeys)).toEqual({ ok: false, reason: 'MALFORMED' });
    }
  });

  it('refuses a kind outside lower-case letters, digits and dashes, and a payload JSON cannot express', () => {
    expect(() => signEnvelope('Leasehold/License', {}, vendorKey.privateKeyPem, vendorKey.keyId)).toThrow(TypeError);
    expect(() => signEnvelope('x', undefined, vendorKey.privateKeyPem, vendorKey.keyId)).toThrow(TypeError);
  });
});
