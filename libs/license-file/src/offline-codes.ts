import { createHash, randomBytes, sign, verify } from 'node:crypto';
import { decodeCrockfordBase32, encodeCrockfordBase32, groupSymbols } from './crockford-base32';
import { KEY_ID_PATTERN, KeyInput, toPrivateKey, toPublicKey } from './keys';
import {
  digest16,
  OfflineCodeKind,
  OfflineRequest,
  OfflineResponseKind,
  readResponseBytes,
  REQUEST_CODE_SYMBOLS,
  REQUEST_CODE_V1_SYMBOLS,
  requestBytesProblem,
  requestDigest,
  requestFromBytes,
  requestV1ReleaseBytes,
  requestV2Bytes,
  RESPONSE_CODE_SYMBOLS,
  responseBodyBytes,
  RETURN_PROOF_BYTES,
  returnKeyBytes,
} from './offline-code-layout';
import { PublicKeys } from './signed-envelope';

// Offline activation by code exchange, for machines that never reach the server. The program makes
// a request code; an admin carries it to the portal, which answers with a response code signed by
// the vendor key and bound to that request; the program installs it. A release code (the program
// gave its activation up) is a request code of kind `deactivate`. Format 2 request codes commit to
// SHA-256 of a secret return key the program keeps; its release code reveals the key, so only the
// program itself can free its slot early (not an admin who carried the codes). Layouts:
// docs/license-file-format.md; their bytes are offline-code-layout.ts's.

export {
  REQUEST_CODE_BYTES,
  REQUEST_CODE_SYMBOLS,
  REQUEST_CODE_V1_BYTES,
  REQUEST_CODE_V1_SYMBOLS,
  RESPONSE_CODE_BYTES,
  RESPONSE_CODE_SYMBOLS,
} from './offline-code-layout';
export type { OfflineCodeKind, OfflineRequest, OfflineResponseKind } from './offline-code-layout';

/**
 * Prefixed to the signed bytes so a response signature can never be taken for another message
 * signed with the same vendor key (an envelope signs "<kind>/1." followed by base64url text).
 */
const RESPONSE_SIGNING_CONTEXT = Buffer.from('leasehold-offline-response/1\n', 'ascii');

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
  if (input.returnKey === undefined)
    return requestFromBytes(requestV1ReleaseBytes(input.containerId, input.fingerprint));
  return requestFromBytes(
    requestV2Bytes('deactivate', input.containerId, input.fingerprint, returnKeyBytes(input.returnKey)),
  );
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
  const { bytes } = decoded;
  const problem = requestBytesProblem(bytes, decoded.symbolCount === REQUEST_CODE_SYMBOLS, decoded.paddingIsZero);
  if (problem === 'CHECKSUM_MISMATCH') {
    return fail(
      'CHECKSUM_MISMATCH',
      'The code does not match its checksum: a character was mistyped, left out or swapped',
    );
  }
  if (problem === 'UNSUPPORTED_CODE') {
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
  const body = responseBodyBytes({
    kind: request.kind,
    keyId: input.keyId,
    request,
    licenseId: input.licenseId,
    validUntil: input.validUntil,
  });
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
  const { kind, keyId, body, signature, nonce, answers, licenseId, validUntil } = readResponseBytes(bytes);
  if (!kind || kind === 'deactivate')
    return fail('MALFORMED', 'This is not a response code of a format this version understands');

  if (!Object.prototype.hasOwnProperty.call(options.publicKeys, keyId)) {
    return fail('UNKNOWN_KEY', `The code was signed with key ${keyId}, which this program does not trust`);
  }
  const publicKey = toPublicKey(options.publicKeys[keyId]);
  if (!verify(null, Buffer.concat([RESPONSE_SIGNING_CONTEXT, body]), publicKey, signature)) {
    return fail('BAD_SIGNATURE', 'The code is not signed by the vendor: it was mistyped or altered');
  }

  if (nonce !== request.nonce || !answers.equals(requestDigest(request))) {
    return fail('WRONG_REQUEST', 'The code answers another request than the one this program made');
  }
  if (options.fingerprint !== undefined && fingerprintDigest(options.fingerprint) !== request.fingerprintDigest) {
    return fail('WRONG_FINGERPRINT', 'The request was made on another machine');
  }
  const response: OfflineResponse = {
    kind,
    keyId,
    nonce,
    licenseId,
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
