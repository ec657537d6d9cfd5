import { createHash, randomBytes, sign, verify } from 'node:crypto';
import { decodeCrockfordBase32, encodeCrockfordBase32, groupSymbols, symbolCountFor } from './crockford-base32';
import { KEY_ID_PATTERN, KeyInput, toPrivateKey, toPublicKey } from './keys';
import { PublicKeys } from './signed-envelope';

// Offline activation by code exchange, for machines that never reach the server. The program makes
// a request code; an admin carries it to the portal, which answers with a response code signed by
// the vendor key and bound to that request; the program installs it. A release code (the program
// gave its activation up) is a request code of kind `deactivate`. Format 2 request codes commit to
// SHA-256 of a secret return key the program keeps; its release code reveals the key, so only the
// program itself can free its slot early (not an admin who carried the codes). Layouts:
// docs/license-file-format.md.

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
const RETURN_PROOF_BYTES = 32;
const REQUEST_V2_BODY_BYTES = REQUEST_BODY_BYTES + RETURN_PROOF_BYTES;
export const REQUEST_CODE_BYTES = REQUEST_V2_BODY_BYTES + REQUEST_CHECKSUM_BYTES; // 77
export const REQUEST_CODE_SYMBOLS = symbolCountFor(REQUEST_CODE_BYTES); // 124 (148 with dashes)

const RESPONSE_BODY_BYTES = 1 + 8 + 8 + 16 + 16 + 4; // header, keyId, nonce, request digest, licenseId, validUntil
const SIGNATURE_BYTES = 64;
export const RESPONSE_CODE_BYTES = RESPONSE_BODY_BYTES + SIGNATURE_BYTES; // 117
export const RESPONSE_CODE_SYMBOLS = symbolCountFor(RESPONSE_CODE_BYTES); // 188 (225 with dashes)

/** validUntil is unsigned seconds since the epoch; the largest value stands for "no end". */
const NO_END = 0xffffffff;
/**
 * Prefixed to the signed bytes so a response signature can never be taken for another message
 * signed with the same vendor key (an envelope signs "<kind>/1." followed by base64url text).
 */
const RESPONSE_SIGNING_CONTEXT = Buffer.from('leasehold-offline-response/1\n', 'ascii');
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

/** What `createRequestCode` answers for activate and borrow: the code, and the secret the program keeps. */
export interface OfflineRequestWithKey extends OfflineRequest {
  /**
   * The program's secret return key (32 random bytes, base64url). Keep it with the activation or
   * borrow (and reuse it for renewals of the same one); never show it. Giving the activation or
   * borrow up, make the release code with it: that is the only way to free the slot early.
   */
  returnKey: string;
}

export interface OfflineResponse {
  kind: OfflineResponseKind;
  keyId: string;
  nonce: string;
  licenseId: string;
  /** null: the activation does not end. */
  validUntil: Date | null;
  code: string;
}

export type RequestCodeFailure = 'INVALID_CHARACTER' | 'WRONG_LENGTH' | 'CHECKSUM_MISMATCH' | 'UNSUPPORTED_CODE';
export type ParseRequestCodeResult =
  | { ok: true; request: OfflineRequest }
  | { ok: false; reason: RequestCodeFailure; message: string };

export type ResponseCodeFailure =
  | 'MALFORMED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'WRONG_REQUEST'
  | 'WRONG_FINGERPRINT'
  | 'EXPIRED';
export type VerifyResponseCodeResult =
  | { ok: true; response: OfflineResponse }
  | { ok: false; reason: ResponseCodeFailure; message: string };

export interface VerifyResponseCodeOptions {
  publicKeys: PublicKeys;
  /** The request this program made (kept since), or its code. */
  request: OfflineRequest | string;
  /** This machine's fingerprint: when given, the request must have been made for it. */
  fingerprint?: string;
  now?: Date;
}

/** First 16 bytes of SHA-256 over the UTF-8 fingerprint, as 32 hex characters. */
export function fingerprintDigest(fingerprint: string): string {
  return digest16(Buffer.from(fingerprint, 'utf8')).toString('hex');
}

/** base64url SHA-256 of the return key's 32 bytes (the key given base64url): what a request commits to. */
export function returnKeyHashOf(returnKey: string): string {
  return createHash('sha256').update(returnKeyBytes(returnKey)).digest('base64url');
}

/** A fresh return key: 32 random bytes, base64url. */
export function createReturnKey(): string {
  return randomBytes(RETURN_PROOF_BYTES).toString('base64url');
}

/**
 * Program side: a code to show the admin (format 2). Keep the result (with its `returnKey`, which
 * stays secret) to verify the answer against it and, later, to make the release code. Pass
 * `returnKey` to renew an activation or borrow with the key it was granted under.
 */
export function createRequestCode(input: {
  kind: 'activate' | 'borrow';
  containerId: string;
  fingerprint: string;
  returnKey?: string;
}): OfflineRequestWithKey;
export function createRequestCode(input: {
  kind: OfflineCodeKind;
  containerId: string;
  fingerprint: string;
  returnKey?: string;
}): OfflineRequest;
export function createRequestCode(input: {
  kind: OfflineCodeKind;
  containerId: string;
  fingerprint: string;
  returnKey?: string;
}): OfflineRequest {
  if (input.kind === 'deactivate') {
    if (!input.returnKey)
      throw new TypeError('A release code needs the returnKey of the activation or borrow it gives up');
    return createReleaseCode({
      containerId: input.containerId,
      fingerprint: input.fingerprint,
      returnKey: input.returnKey,
    });
  }
  const returnKey = input.returnKey ?? createReturnKey();
  const proof = createHash('sha256').update(returnKeyBytes(returnKey)).digest();
  return { ...requestFromBytes(requestV2Bytes(input.kind, input.containerId, input.fingerprint, proof)), returnKey };
}

/**
 * Program side, after it removed its offline activation or returned its borrowed seat: the proof to
 * carry back to the portal. It reveals `returnKey`, so it works once and only for the activation or
 * borrow granted under that key. Without a key (a legacy format-1 release code) the server frees nothing early.
 */
export function createReleaseCode(input: {
  containerId: string;
  fingerprint: string;
  returnKey?: string;
}): OfflineRequest {
  if (input.returnKey === undefined) {
    const body = Buffer.concat([
      Buffer.of(REQUEST_TYPE | KIND_NUMBERS.deactivate),
      uuidToBytes(input.containerId),
      digest16(Buffer.from(input.fingerprint, 'utf8')),
      randomBytes(8),
    ]);
    return requestFromBytes(Buffer.concat([body, requestChecksum(body)]));
  }
  return requestFromBytes(
    requestV2Bytes('deactivate', input.containerId, input.fingerprint, returnKeyBytes(input.returnKey)),
  );
}

function requestV2Bytes(kind: OfflineCodeKind, containerId: string, fingerprint: string, proof: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.of(REQUEST_V2_TYPE | KIND_NUMBERS[kind]),
    uuidToBytes(containerId),
    digest16(Buffer.from(fingerprint, 'utf8')),
    randomBytes(8),
    proof,
  ]);
  return Buffer.concat([body, requestChecksum(body)]);
}

function returnKeyBytes(returnKey: string): Buffer {
  const bytes = /^[A-Za-z0-9_-]{43}$/.test(returnKey) ? Buffer.from(returnKey, 'base64url') : Buffer.alloc(0);
  if (bytes.length !== RETURN_PROOF_BYTES) throw new TypeError('returnKey must be 32 bytes, base64url (43 characters)');
  return bytes;
}

/**
 * Both sides. Tolerates lower case, spaces, line breaks, missing or extra dashes and O/I/L typed for
 * 0/1/1; a mistyped, missing or extra character fails the length or the 4-byte checksum.
 */
export function parseRequestCode(code: string): ParseRequestCodeResult {
  const decoded = decodeCrockfordBase32(code);
  if (!decoded.ok) {
    return fail('INVALID_CHARACTER', `"${decoded.invalidCharacter}" cannot appear in a request code`);
  }
  if (decoded.symbolCount !== REQUEST_CODE_SYMBOLS && decoded.symbolCount !== REQUEST_CODE_V1_SYMBOLS) {
    const hint = decoded.symbolCount === RESPONSE_CODE_SYMBOLS ? ' (this looks like a response code)' : '';
    return fail(
      'WRONG_LENGTH',
      `A request code has ${REQUEST_CODE_SYMBOLS} characters besides dashes and spaces (${REQUEST_CODE_V1_SYMBOLS} in the old format); this one has ${decoded.symbolCount}${hint}`,
    );
  }
  // 45 bytes fill 72 symbols exactly; 77 bytes leave 4 padding bits, which must be zero.
  const { bytes } = decoded;
  const v2 = decoded.symbolCount === REQUEST_CODE_SYMBOLS;
  if (v2 && !decoded.paddingIsZero) {
    return fail(
      'CHECKSUM_MISMATCH',
      'The code does not match its checksum: a character was mistyped, left out or swapped',
    );
  }
  const bodyBytes = v2 ? REQUEST_V2_BODY_BYTES : REQUEST_BODY_BYTES;
  const body = bytes.subarray(0, bodyBytes);
  if (!requestChecksum(body).equals(bytes.subarray(bodyBytes))) {
    return fail(
      'CHECKSUM_MISMATCH',
      'The code does not match its checksum: a character was mistyped, left out or swapped',
    );
  }
  if (!kindOfHeader(bytes[0], v2 ? REQUEST_V2_TYPE : REQUEST_TYPE)) {
    return fail('UNSUPPORTED_CODE', 'This is not a request code of a format this version understands');
  }
  return { ok: true, request: requestFromBytes(bytes) };

  function fail(reason: RequestCodeFailure, message: string): ParseRequestCodeResult {
    return { ok: false, reason, message };
  }
}

/**
 * Server side, once it has accepted the request (nonce unused, device limit respected). Answers
 * activate and borrow requests; a deactivate (release) code needs no answer.
 */
export function createResponseCode(input: {
  request: OfflineRequest;
  licenseId: string;
  validUntil: Date | null;
  privateKey: KeyInput;
  keyId: string;
}): string {
  const { request } = input;
  if (request.kind === 'deactivate')
    throw new TypeError('A release (deactivate) code is not answered with a response code');
  if (!KEY_ID_PATTERN.test(input.keyId)) throw new TypeError('keyId must be 16 hex characters');
  if (!/^[0-9a-f]{16}$/.test(request.nonce) || !/^[0-9a-f]{32}$/.test(request.fingerprintDigest)) {
    throw new TypeError('The request has no valid nonce or fingerprint digest: pass what parseRequestCode returned');
  }
  const body = Buffer.concat([
    Buffer.of(RESPONSE_TYPE | KIND_NUMBERS[request.kind]),
    Buffer.from(input.keyId, 'hex'),
    Buffer.from(request.nonce, 'hex'),
    requestDigest(request),
    uuidToBytes(input.licenseId),
    encodeValidUntil(input.validUntil),
  ]);
  const signature = sign(null, Buffer.concat([RESPONSE_SIGNING_CONTEXT, body]), toPrivateKey(input.privateKey));
  return groupSymbols(encodeCrockfordBase32(Buffer.concat([body, signature])));
}

/**
 * Program side, when installing a response and again at every start. Order: MALFORMED,
 * UNKNOWN_KEY, BAD_SIGNATURE (also what a mistyped response code gives), WRONG_REQUEST (it answers
 * another request: other nonce, container, fingerprint or kind), WRONG_FINGERPRINT (the request
 * was made on another machine), EXPIRED (now ≥ validUntil).
 */
export function verifyResponseCode(code: string, options: VerifyResponseCodeOptions): VerifyResponseCodeResult {
  const request = typeof options.request === 'string' ? parseOwnRequest(options.request) : options.request;
  const decoded = decodeCrockfordBase32(code);
  if (!decoded.ok || decoded.symbolCount !== RESPONSE_CODE_SYMBOLS || !decoded.paddingIsZero) {
    return fail(
      'MALFORMED',
      `A response code has ${RESPONSE_CODE_SYMBOLS} characters from 0-9 and A-Z besides dashes and spaces`,
    );
  }
  const { bytes } = decoded;
  const kind = kindOfHeader(bytes[0], RESPONSE_TYPE);
  if (!kind || kind === 'deactivate')
    return fail('MALFORMED', 'This is not a response code of a format this version understands');

  const keyId = bytes.subarray(1, 9).toString('hex');
  if (!Object.prototype.hasOwnProperty.call(options.publicKeys, keyId)) {
    return fail('UNKNOWN_KEY', `The code was signed with key ${keyId}, which this program does not trust`);
  }
  const body = bytes.subarray(0, RESPONSE_BODY_BYTES);
  const signature = bytes.subarray(RESPONSE_BODY_BYTES);
  const publicKey = toPublicKey(options.publicKeys[keyId]);
  if (!verify(null, Buffer.concat([RESPONSE_SIGNING_CONTEXT, body]), publicKey, signature)) {
    return fail('BAD_SIGNATURE', 'The code is not signed by the vendor: it was mistyped or altered');
  }

  const nonce = bytes.subarray(9, 17).toString('hex');
  if (nonce !== request.nonce || !bytes.subarray(17, 33).equals(requestDigest(request))) {
    return fail('WRONG_REQUEST', 'The code answers another request than the one this program made');
  }
  if (options.fingerprint !== undefined && fingerprintDigest(options.fingerprint) !== request.fingerprintDigest) {
    return fail('WRONG_FINGERPRINT', 'The request was made on another machine');
  }
  const validUntil = decodeValidUntil(bytes.subarray(49, 53));
  const response: OfflineResponse = {
    kind,
    keyId,
    nonce,
    licenseId: bytesToUuid(bytes.subarray(33, 49)),
    validUntil,
    code: groupSymbols(encodeCrockfordBase32(bytes)),
  };
  const now = options.now ?? new Date();
  if (validUntil !== null && now.getTime() >= validUntil.getTime()) {
    return fail('EXPIRED', `The activation ended at ${validUntil.toISOString()}`);
  }
  return { ok: true, response };

  function fail(reason: ResponseCodeFailure, message: string): VerifyResponseCodeResult {
    return { ok: false, reason, message };
  }
}

function parseOwnRequest(code: string): OfflineRequest {
  const parsed = parseRequestCode(code);
  // The program's own stored request: damage there is a bug or corrupted storage, not user input.
  if (!parsed.ok) throw new TypeError(`The stored request code is invalid: ${parsed.message}`);
  return parsed.request;
}

function requestFromBytes(bytes: Buffer): OfflineRequest {
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
function requestDigest(request: OfflineRequest): Buffer {
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

function requestChecksum(body: Buffer): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, REQUEST_CHECKSUM_BYTES);
}

function kindOfHeader(header: number | undefined, type: number): OfflineCodeKind | undefined {
  if (header === undefined || (header & 0xf0) !== type) return undefined;
  const kindNumber = header & 0x0f;
  return (Object.keys(KIND_NUMBERS) as OfflineCodeKind[]).find((kind) => KIND_NUMBERS[kind] === kindNumber);
}

function digest16(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, 16);
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
