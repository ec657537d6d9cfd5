import {
  createReleaseCode,
  createRequestCode,
  OfflineCodeKind,
  OfflineRequest,
  OfflineResponse,
  verifyResponseCode,
} from '@leasehold/license-file';
import { ClientContext } from './client-context';
import { LeaseholdError } from './errors';

// LeaseholdClient's offline codes, for a machine that never reaches the server: the request it
// shows, the response it installs, the release code that gives the activation back. What this
// machine keeps in the storage: the pending request, the installed response, and per container
// the secret return key its requests commit to.

const REQUEST = 'offline-request.json';
const RESPONSE = 'offline-response.txt';
const returnKeyName = (containerId: string) => `offline-return-key.${containerId}`;

export function requestCode(
  context: ClientContext,
  input: { containerId: string; kind?: OfflineCodeKind },
): OfflineRequest {
  const kind = input.kind ?? 'activate';
  if (kind === 'deactivate') return releaseCode(context, { containerId: input.containerId });
  const keyName = returnKeyName(input.containerId);
  const { returnKey, ...request } = createRequestCode({
    kind,
    containerId: input.containerId,
    fingerprint: context.fingerprint,
    returnKey: context.storage.get(keyName),
  });
  context.storage.set(keyName, returnKey);
  context.storage.set(REQUEST, JSON.stringify(request));
  return request;
}

export function releaseCode(context: ClientContext, input: { containerId: string }): OfflineRequest {
  const keyName = returnKeyName(input.containerId);
  const returnKey = context.storage.get(keyName);
  if (!returnKey)
    throw new LeaseholdError({
      code: 'RETURN_KEY_MISSING',
      message: `No offline return key is stored for container ${input.containerId}`,
    });
  const release = createReleaseCode({ containerId: input.containerId, fingerprint: context.fingerprint, returnKey });
  context.storage.delete(RESPONSE);
  context.storage.delete(REQUEST);
  context.storage.delete(keyName);
  return release;
}

export function applyResponseCode(context: ClientContext, code: string): OfflineResponse {
  const requestText = context.storage.get(REQUEST);
  if (!requestText)
    throw new LeaseholdError({
      code: 'USAGE',
      message: 'No request code was made on this machine (createRequestCode first)',
    });
  const response = verifiedResponse(context, code, requestText);
  context.storage.set(RESPONSE, response.code);
  return response;
}

export function offlineActivation(context: ClientContext): OfflineResponse {
  const code = context.storage.get(RESPONSE);
  const requestText = context.storage.get(REQUEST);
  if (!code || !requestText)
    throw new LeaseholdError({
      code: 'LICENSE_FILE_INVALID',
      message: 'This machine holds no offline activation',
      details: { status: 'MISSING' },
    });
  return verifiedResponse(context, code, requestText);
}

/** The response code checked against the kept request, this device and the guarded clock. */
function verifiedResponse(context: ClientContext, code: string, requestText: string): OfflineResponse {
  const result = verifyResponseCode(code, {
    publicKeys: context.publicKeys,
    request: JSON.parse(requestText) as OfflineRequest,
    fingerprint: context.fingerprint,
    now: context.clock.now(),
  });
  if (!result.ok)
    throw new LeaseholdError({
      code: 'OFFLINE_CODE_INVALID',
      message: result.message,
      details: { reason: result.reason },
    });
  return result.response;
}
