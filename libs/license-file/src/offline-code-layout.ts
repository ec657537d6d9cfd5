import { createHash, randomBytes } from 'node:crypto';
import { encodeCrockfordBase32, groupSymbols, symbolCountFor } from './crockford-base32';

// The bytes of offline codes (docs/license-file-format.md has the layouts): a request code's body
// and checksum, a response code's body (the signature follows it), and the fields they carry, in
// both directions. What a code means and which checks it must pass are offline-codes.ts's.

export type OfflineCodeKind = 'activate' | 'deactivate' | 'borrow';
/** Kinds a response answers: a release code needs no answer, the server just frees the slot. */
export type OfflineResponseKind = Exclude<OfflineCodeKind, 'deactivate'>;

const KIND_NUMBERS: Readonly<Record<OfflineCodeKind, number>> = { activate: 1, deactivate: 2, borrow: 3 };
const REQUEST_TYPE = 0x10; // high nibble of the first byte: 1 = request code, format 1 (no return proof)
const RESPONSE_TYPE = 0x20; // 2 = response code, format 1
const REQUEST_V2_TYPE = 0x30; // 3 = request code, format 2 (carries the return proof)

const REQUEST_BODY_BYTES = 1 + 16 + 16 + 8; // header, containerId, fingerprint digest, nonce
const REQUEST_CHECKSUM_BYTES = 4;
/** Format 1 (legacy, still read): no return proof. */
export const REQUEST_CODE_V1_BYTES = REQUEST_BODY_BYTES + REQUEST_CHECKSUM_BYTES; // 45
export const REQUEST_CODE_V1_SYMBOLS = symbolCountFor(REQUEST_CODE_V1_BYTES); // 72 (86 with dashes)
/** Format 2 adds 32 bytes of return proof: SHA-256(returnKey) in activate/borrow, returnKey in a release. */
export const RETURN_PROOF_BYTES = 32;
const REQUEST_V2_BODY_BYTES = REQUEST_BODY_BYTES + RETURN_PROOF_BYTES;
export const REQUEST_CODE_BYTES = REQUEST_V2_BODY_BYTES + REQUEST_CHECKSUM_BYTES; // 77
export const REQUEST_CODE_SYMBOLS = symbolCountFor(REQUEST_CODE_BYTES); // 124 (148 with dashes)

const RESPONSE_BODY_BYTES = 1 + 8 + 8 + 16 + 16 + 4; // header, keyId, nonce, request digest, licenseId, validUntil
const SIGNATURE_BYTES = 64;
export const RESPONSE_CODE_BYTES = RESPONSE_BODY_BYTES + SIGNATURE_BYTES; // 117
export const RESPONSE_CODE_SYMBOLS = symbolCountFor(RESPONSE_CODE_BYTES); // 188 (225 with dashes)

/** validUntil is unsigned seconds since the epoch; the largest value stands for "no end". */
const NO_END = 0xffffffff;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OfflineRequest {
  kind: OfflineCodeKind;
  /** 1: legacy code without return proof; 2: carries `returnKeyHash` (activate, borrow) or `returnKey` (release). */
  format: 1 | 2;
  /** Lower-case UUID. */
  containerId: string;
  /** 32 hex characters: the first 16 bytes of SHA-256 over the UTF-8 fingerprint. */
  fingerprintDigest: string;
  /** 16 hex characters; the server refuses a nonce it has seen, which makes codes single-use. */
  nonce: string;
  /**
   * activate/borrow (format 2): base64url SHA-256 of the program's return key. The server frees the
   * slot or seat before its end only against a release code that reveals the key.
   */
  returnKeyHash?: string;
  /** deactivate (format 2): the return key itself (base64url, 32 bytes), the program's proof it gave the activation or borrow up. */
  returnKey?: string;
  /** The canonical code: upper case, dash-separated groups of 5. */
  code: string;
}

/** A format 1 release code (no return key: the server frees nothing early with it), checksum included. */
export function requestV1ReleaseBytes(containerId: string, fingerprint: string): Buffer {
  const body = Buffer.concat([
    Buffer.of(REQUEST_TYPE | KIND_NUMBERS.deactivate),
    uuidToBytes(containerId),
    digest16(Buffer.from(fingerprint, 'utf8')),
    randomBytes(8),
  ]);
  return Buffer.concat([body, requestChecksum(body)]);
}

/** A format 2 request code with its 32 bytes of return proof, checksum included. */
export function requestV2Bytes(kind: OfflineCodeKind, containerId: string, fingerprint: string, proof: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.of(REQUEST_V2_TYPE | KIND_NUMBERS[kind]),
    uuidToBytes(containerId),
    digest16(Buffer.from(fingerprint, 'utf8')),
    randomBytes(8),
    proof,
  ]);
  return Buffer.concat([body, requestChecksum(body)]);
}

/**
 * Why the decoded symbols of a request code (72 of format 1 or 124 of format 2, decoded with their
 * padding flag) are not a request code: the checksum or the header. Undefined when they are one.
 */
export function requestBytesProblem(
  bytes: Buffer,
  v2: boolean,
  paddingIsZero: boolean,
): 'CHECKSUM_MISMATCH' | 'UNSUPPORTED_CODE' | undefined {
  // 45 bytes fill 72 symbols exactly; 77 bytes leave 4 padding bits, which must be zero.
  if (v2 && !paddingIsZero) return 'CHECKSUM_MISMATCH';
  const bodyBytes = v2 ? REQUEST_V2_BODY_BYTES : REQUEST_BODY_BYTES;
  const body = bytes.subarray(0, bodyBytes);
  if (!requestChecksum(body).equals(bytes.subarray(bodyBytes))) return 'CHECKSUM_MISMATCH';
  if (!kindOfHeader(bytes[0], v2 ? REQUEST_V2_TYPE : REQUEST_TYPE)) return 'UNSUPPORTED_CODE';
  return undefined;
}

export function requestFromBytes(bytes: Buffer): OfflineRequest {
  const v2 = (bytes[0] & 0xf0) === REQUEST_V2_TYPE;
  const kind = kindOfHeader(bytes[0], v2 ? REQUEST_V2_TYPE : REQUEST_TYPE);
  if (!kind) throw new TypeError('Not a request code header');
  const proof = v2 ? bytes.subarray(REQUEST_BODY_BYTES, REQUEST_V2_BODY_BYTES).toString('base64url') : undefined;
  return {
    kind,
    format: v2 ? 2 : 1,
    containerId: bytesToUuid(bytes.subarray(1, 17)),
    fingerprintDigest: bytes.subarray(17, 33).toString('hex'),
    nonce: bytes.subarray(33, 41).toString('hex'),
    ...(proof === undefined ? {} : kind === 'deactivate' ? { returnKey: proof } : { returnKeyHash: proof }),
    code: groupSymbols(encodeCrockfordBase32(bytes)),
  };
}

/**
 * The request's identity as the response binds it: the request body (header with kind, container,
 * fingerprint digest, nonce, and in format 2 the return key hash) rebuilt from its fields, so a
 * hand-built OfflineRequest binds the same, and a response to a request with another hash fails.
 */
export function requestDigest(request: OfflineRequest): Buffer {
  const v2 = request.format === 2;
  return digest16(
    Buffer.concat([
      Buffer.of((v2 ? REQUEST_V2_TYPE : REQUEST_TYPE) | KIND_NUMBERS[request.kind]),
      uuidToBytes(request.containerId),
      Buffer.from(request.fingerprintDigest, 'hex'),
      Buffer.from(request.nonce, 'hex'),
      ...(v2 ? [Buffer.from(request.returnKeyHash ?? '', 'base64url')] : []),
    ]),
  );
}

/** A response code's body, the bytes its signature covers. */
export function responseBodyBytes(input: {
  kind: OfflineResponseKind;
  keyId: string;
  request: OfflineRequest;
  licenseId: string;
  validUntil: Date | null;
}): Buffer {
  return Buffer.concat([
    Buffer.of(RESPONSE_TYPE | KIND_NUMBERS[input.kind]),
    Buffer.from(input.keyId, 'hex'),
    Buffer.from(input.request.nonce, 'hex'),
    requestDigest(input.request),
    uuidToBytes(input.licenseId),
    encodeValidUntil(input.validUntil),
  ]);
}

/** The fields of a response code's bytes (RESPONSE_CODE_BYTES of them), read before any is checked. */
export function readResponseBytes(bytes: Buffer) {
  return {
    kind: kindOfHeader(bytes[0], RESPONSE_TYPE),
    keyId: bytes.subarray(1, 9).toString('hex'),
    body: bytes.subarray(0, RESPONSE_BODY_BYTES),
    signature: bytes.subarray(RESPONSE_BODY_BYTES),
    nonce: bytes.subarray(9, 17).toString('hex'),
    /** The digest of the request it answers (requestDigest). */
    answers: bytes.subarray(17, 33),
    licenseId: bytesToUuid(bytes.subarray(33, 49)),
    validUntil: decodeValidUntil(bytes.subarray(49, 53)),
  };
}

/** The 32 bytes of a base64url return key (43 characters); anything else is a TypeError. */
export function returnKeyBytes(returnKey: string): Buffer {
  const bytes = /^[A-Za-z0-9_-]{43}$/.test(returnKey) ? Buffer.from(returnKey, 'base64url') : Buffer.alloc(0);
  if (bytes.length !== RETURN_PROOF_BYTES) throw new TypeError('returnKey must be 32 bytes, base64url (43 characters)');
  return bytes;
}

export function digest16(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, 16);
}

function requestChecksum(body: Buffer): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, REQUEST_CHECKSUM_BYTES);
}

function kindOfHeader(header: number | undefined, type: number): OfflineCodeKind | undefined {
  if (header === undefined || (header & 0xf0) !== type) return undefined;
  const kindNumber = header & 0x0f;
  return (Object.keys(KIND_NUMBERS) as OfflineCodeKind[]).find((kind) => KIND_NUMBERS[kind] === kindNumber);
}

function encodeValidUntil(validUntil: Date | null): Buffer {
  const bytes = Buffer.alloc(4);
  if (validUntil === null) {
    bytes.writeUInt32BE(NO_END);
    return bytes;
  }
  // Rounded down: the program never believes in a second the server did not grant.
  const seconds = Math.floor(validUntil.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds >= NO_END)
    throw new RangeError('validUntil is out of range');
  bytes.writeUInt32BE(seconds);
  return bytes;
}

function decodeValidUntil(bytes: Buffer): Date | null {
  const seconds = bytes.readUInt32BE(0);
  return seconds === NO_END ? null : new Date(seconds * 1000);
}

function uuidToBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`Expected a UUID, got "${uuid}"`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
