// The one catalogue of machine-readable error codes. A code's HTTP status lives here and nowhere
// else; the exception filter, the OpenAPI spec and docs/errors.md all read from this table.

export const ERROR_CATALOGUE = {
  // generic request problems
  VALIDATION_FAILED: {
    status: 400,
    description: 'The request body, query or path failed validation; `details.fields` lists each field.',
  },
  MALFORMED_JSON: { status: 400, description: 'The request body is not valid JSON.' },
  MALFORMED_BODY: {
    status: 400,
    description:
      'The request body cannot be read: corrupt compression, a length that does not match `Content-Length`, or JSON nested deeper than allowed (`details.reason` TOO_DEEP, `details.maxDepth`).',
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is larger than allowed.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description:
      'The request body has an unsupported charset or `Content-Encoding` (identity, gzip, deflate and br are read).',
  },
  ROUTE_NOT_FOUND: { status: 404, description: 'No route matches this method and path.' },
  NOT_FOUND: { status: 404, description: 'The resource does not exist (or belongs to another tenant).' },
  CONFLICT: {
    status: 409,
    description:
      'The change conflicts with the current state of the resource (also a database constraint with no more specific code; `details.reason` is IN_USE, REFERENCE_MISSING, DUPLICATE, CONSTRAINT or CONCURRENT_CHANGE).',
  },
  RATE_LIMITED: {
    status: 429,
    description:
      'Too many requests; retry after `details.retryAfter` seconds (also the `Retry-After` header). Per API key, container credential, address, login attempts, update streams.',
  },
  INTERNAL_ERROR: { status: 500, description: 'An unexpected error; the request id identifies it in the logs.' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A dependency (database, Redis) is not reachable.' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    description:
      'The database dropped the connection or cannot be reached (failover, pooler restart): retry after `Retry-After` seconds (also `details.retryAfter`); a write retried with the same Idempotency-Key is applied once. Never a verdict on the credentials. See docs/operations.md.',
  },

  // authentication and authorisation
  UNAUTHENTICATED: {
    status: 401,
    description: 'No credentials were presented, or they are not of the kind this route takes.',
  },
  API_KEY_INVALID: { status: 401, description: 'The API key is malformed or unknown.' },
  API_KEY_REVOKED: { status: 401, description: 'The API key was revoked.' },
  API_KEY_EXPIRED: { status: 401, description: 'The API key has expired.' },
  VENDOR_SUSPENDED: { status: 403, description: 'The vendor account is suspended.' },
  OPERATOR_TOKEN_INVALID: { status: 401, description: 'The operator token is wrong.' },
  FORBIDDEN: { status: 403, description: 'The caller is authenticated but may not do this.' },

  // idempotency
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    description: 'The Idempotency-Key was already used with a different request.',
  },
  IDEMPOTENCY_REQUEST_IN_PROGRESS: {
    status: 409,
    description: 'A request with this Idempotency-Key is still being processed.',
  },

  // vendors and catalogue
  VENDOR_SLUG_TAKEN: { status: 409, description: 'Another vendor already uses this slug.' },
  PRODUCT_CODE_TAKEN: { status: 409, description: 'The vendor already has a product with this code.' },
  PRODUCT_IN_USE: { status: 409, description: 'The product has licenses, so it cannot be deleted.' },
  FEATURE_CODE_TAKEN: { status: 409, description: 'The product already has a feature with this code.' },
  API_KEY_ALREADY_REVOKED: { status: 409, description: 'The API key was already revoked.' },

  // customers and portal identity
  INVALID_CREDENTIALS: {
    status: 401,
    description: 'Portal login: the vendor, email or password is wrong (never says which).',
  },
  TOKEN_INVALID: { status: 401, description: 'The portal access token is malformed or its signature is wrong.' },
  TOKEN_EXPIRED: { status: 401, description: 'The portal access token has expired; refresh it.' },
  TOKEN_REVOKED: {
    status: 401,
    description:
      'The portal access token no longer applies: the user was removed, disabled, reset their password or logged out everywhere.',
  },
  REFRESH_TOKEN_INVALID: {
    status: 401,
    description:
      'The refresh token is unknown, expired or revoked (also one retired by a retry within the reuse grace), or another request with it was answered at the same moment (the login goes on with that answer).',
  },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    description:
      'The refresh token was already used (and is no retry of a lost answer within PORTAL_REFRESH_REUSE_GRACE_SECONDS): its whole family (session) is now revoked.',
  },
  ONE_TIME_TOKEN_INVALID: {
    status: 400,
    description: 'The invitation or password-reset token is unknown (or of another vendor).',
  },
  ONE_TIME_TOKEN_EXPIRED: { status: 400, description: 'The invitation or password-reset token has expired.' },
  ONE_TIME_TOKEN_USED: { status: 409, description: 'The invitation or password-reset token was already used.' },
  USER_DISABLED: { status: 403, description: 'The portal user is disabled.' },
  GROUP_ADMIN_REQUIRED: { status: 403, description: 'Only an admin of the group may do this.' },
  USER_EMAIL_TAKEN: { status: 409, description: 'The vendor already has a user with this email.' },
  EXTERNAL_ID_TAKEN: { status: 409, description: 'The vendor already has a group or user with this externalId.' },
  USER_IN_ANOTHER_GROUP: {
    status: 409,
    description: 'The user already belongs to another group; remove them from it first.',
  },
  LAST_GROUP_ADMIN: { status: 409, description: 'The change would leave the group without an admin.' },
  GROUP_NOT_EMPTY: { status: 409, description: 'The group still has users or containers.' },
  USER_HAS_CONTAINERS: { status: 409, description: 'The user still has containers; delete or reassign them first.' },
  USER_NOT_INVITED: { status: 409, description: 'The user has already accepted their invitation.' },

  // containers, licenses, devices
  CREDENTIALS_INVALID: { status: 401, description: 'The container credentials (`lhc_…`) are malformed or unknown.' },
  CREDENTIALS_REVOKED: {
    status: 401,
    description:
      'The container credentials were reset; the program must be re-linked with the new secret (its device keeps its activation).',
  },
  CONTAINER_KIND_MISMATCH: {
    status: 409,
    description:
      'The operation does not fit the container kind (e.g. a device activation on an ENTERPRISE container, a group purchase on a container of another group).',
  },
  FEATURE_NOT_IN_PRODUCT: {
    status: 400,
    description: "A feature code is not one of the license's product; `details.unknown` lists them.",
  },
  PURCHASE_SEATS_EXCEEDED: {
    status: 409,
    description:
      'The licenses drawing on a purchase would hold more seats than were bought; `details` has seats, allocated and requested.',
  },
  LICENSE_REVOKED: {
    status: 409,
    description: 'The license was revoked; it can no longer be changed, suspended or resumed.',
  },
  LICENSE_STATUS_CONFLICT: {
    status: 409,
    description: 'The license is not in a status that allows this transition (e.g. resume of an ACTIVE license).',
  },
  DEVICE_LIMIT_REACHED: {
    status: 409,
    description:
      'The container already has its maximum of active devices; `details.activeDevices` names them. Deactivate one first (transfer).',
  },
  ACTIVATION_CHURN_LIMIT: {
    status: 409,
    description:
      'Too many device deactivations and early returns of borrowed seats on this container in the last 30 days (the license limit `maxDeactivationsPer30Days`); allowed again after `details.retryAfter` seconds. A 409, not a 429: not "slow down" but "not allowed now" (no `Retry-After` header).',
  },
  DEVICE_ALREADY_DEACTIVATED: { status: 409, description: 'The device was already deactivated.' },
  CONTAINER_ACCESS_REVOKED: {
    status: 403,
    description:
      "The container's user was removed from their group or disabled (`details.reason`: USER_REMOVED / USER_DISABLED): the container refuses checkout, heartbeat, borrowing, activation, license files and offline requests until the vendor assigns it to a user again (or the user is enabled again).",
  },
  USER_NOT_IN_GROUP: {
    status: 403,
    description: "A checkout's `userToken` names a user who is not a member of the ENTERPRISE container's group.",
  },

  // seats, leases, borrowing
  LICENSE_SUSPENDED: {
    status: 403,
    description: 'The license is suspended: no seat can be checked out or kept until the vendor resumes it.',
  },
  LICENSE_EXPIRED: { status: 403, description: 'The license has passed its `expiresAt`.' },
  LICENSE_NOT_YET_VALID: {
    status: 403,
    description: 'The license starts at `details.validFrom`, which is still in the future.',
  },
  DEVICE_NOT_ACTIVATED: {
    status: 403,
    description: 'A PERSONAL container runs only on its activated devices; this fingerprint is not one of them.',
  },
  NO_SEAT_AVAILABLE: {
    status: 409,
    description:
      'Every seat of the license is in use; retry after `details.retryAfter` seconds. A 409, not a 429: all seats taken is not "slow down" (no `Retry-After` header). `details` has inUse, quantity and soonestExpiryAt.',
  },
  RESERVATIONS_EXCEED_QUANTITY: {
    status: 409,
    description:
      "The license's seat reservations would exceed its quantity (a new or larger reservation, or a quantity lowered below the seats reserved). `details` has quantity and reserved.",
  },
  RESERVATION_USER_NOT_IN_GROUP: {
    status: 422,
    description:
      "Seats can be reserved only for members of the ENTERPRISE container's group; `details.userIds` lists the others.",
  },
  RESERVATION_USER_TAKEN: {
    status: 409,
    description:
      'A user is in at most one reservation of a license; `details.userIds` lists the users already reserved for.',
  },
  RESERVATION_NAME_TAKEN: { status: 409, description: 'The license already has a reservation with this name.' },
  LEASE_EXPIRED: {
    status: 409,
    description:
      'The lease is no longer held (it expired, or was released/returned); `details.endReason` says why. Check out again.',
  },
  SESSION_STOPPED: {
    status: 409,
    description:
      'An admin stopped this session (or its user was removed); `details.endReason` says which. Check out again if allowed.',
  },
  BORROW_NOT_ALLOWED: { status: 403, description: 'The license does not allow borrowing (detaching) seats.' },
  BORROW_TOO_LONG: {
    status: 422,
    description: 'The requested `borrowUntil` is more than `details.maxBorrowDays` days from now.',
  },
  BORROW_PAST_LICENSE_EXPIRY: {
    status: 422,
    description: "The requested `borrowUntil` is after the license's `expiresAt`.",
  },
  BORROW_UNTIL_IN_PAST: { status: 422, description: 'The requested `borrowUntil` is not in the future.' },
  RETURN_PROOF_INVALID: {
    status: 403,
    description:
      "A borrowed seat (or an offline activation) is freed before its end only with the program's proof that it gave it up: the `returnKey` whose SHA-256 the borrow or activation committed to (`returnKeyHash`). Missing, wrong, or none committed to (`details.earlyReturnPossible: false`): it stays held until `details.borrowUntil` / the grant's end. Also answered for moving a borrow's end earlier, and for a renewal under another return key.",
  },
  SESSION_BORROWED: {
    status: 409,
    description:
      'The session is a borrowed (detached) seat: it cannot be stopped by an admin; it ends when returned or at `borrowUntil`.',
  },
  SESSION_NOT_ACTIVE: {
    status: 409,
    description: 'The session has already ended (released, expired, stopped or returned).',
  },
  BORROW_DISABLED_BY_ADMIN: {
    status: 403,
    description:
      "The group's admin switched borrowing off for the group's containers (portal: `borrowingAllowed: false`); online and offline borrows are refused, borrows already made run to their end.",
  },

  // customer-side seat moves
  SEATS_IN_USE: {
    status: 409,
    description:
      'Moving these seats would leave the source license fewer seats than it has in use: only `details.movable` of the `details.seats` requested are free now. Nothing was moved.',
  },
  LICENSE_NOT_FROM_PURCHASE: {
    status: 409,
    description:
      "Only seats of a group purchase can be moved between the group's containers; this license draws on no purchase (the vendor sold it as a license of this container).",
  },
  QUEUE_TICKET_WAITING: {
    status: 409,
    description:
      'A checkout with a wait-queue ticket for which no seat is held yet; `details.position`. Wait on GET /client/v1/seat-queue/{ticketId}.',
  },
  QUEUE_TICKET_ENDED: {
    status: 409,
    description:
      'The wait-queue ticket is out of the queue (`details.status`: LAPSED — not renewed, or the held seat not claimed in its window —, CANCELLED or CLAIMED); check out or join the queue again.',
  },
  QUEUE_SEAT_HELD: {
    status: 409,
    description: 'Joining the wait queue from a device that already holds a seat of the license (`details.leaseId`).',
  },

  // ERP/CRM inbound webhooks
  INBOUND_SIGNATURE_INVALID: {
    status: 401,
    description:
      'The `Leasehold-Signature` header is missing or malformed, or is not `v1=` + the hex HMAC-SHA256 of "<timestamp>.<raw body>" under the integration secret (also answered for an unknown integration id).',
  },
  INBOUND_TIMESTAMP_REJECTED: {
    status: 401,
    description:
      'The `Leasehold-Timestamp` header is missing or not unix seconds, older than 5 minutes, or more than 60 seconds in the future: a replay or a wrong clock.',
  },
  ERP_UNKNOWN_PRODUCT: {
    status: 422,
    description:
      'An ERP order names product codes the vendor has no product for (`details.productCodes`); the event is FAILED and nothing of it is applied.',
  },
  ERP_ORDER_EXISTS: {
    status: 409,
    description:
      'order.created for an order that already has its container (another event with the same `orderId`); `details.containerId` is it.',
  },
  ERP_ORDER_UNKNOWN: {
    status: 422,
    description: 'An ERP event names an order (or a line of it: `details.lineIds`) that no order.created has created.',
  },
  EVENT_ID_REUSED: {
    status: 409,
    description:
      'An ERP/CRM event with this `id` was already received with a different body (`details.eventId`, `details.inboundEventId`): an event id names one event; send a change as a new event with a new id.',
  },
  INTEGRATION_DISABLED: {
    status: 403,
    description: 'The integration is disabled; events sent to it are refused until it is set ACTIVE again.',
  },

  // outbound webhooks
  WEBHOOK_URL_NOT_ALLOWED: {
    status: 422,
    description:
      'The webhook URL is not allowed: https is required in production, and it may not point at a private, loopback, link-local or metadata address; `details.reason` says which rule.',
  },
  WEBHOOK_ENDPOINT_DISABLED: {
    status: 409,
    description: 'The webhook endpoint is disabled; re-enable it (PATCH status ACTIVE) first.',
  },
  WEBHOOK_DELIVERY_IN_PROGRESS: {
    status: 409,
    description: 'The delivery is being attempted right now; try again when the attempt has finished.',
  },

  // signed license files, offline activation by code exchange
  NO_LEASE_HELD: {
    status: 403,
    description:
      'A license whose use is counted (ENTERPRISE; PERSONAL with fewer seats than active devices) issues a license file only to a device that holds a live or borrowed seat of it: check out (or borrow) first.',
  },
  OFFLINE_CODE_INVALID: {
    status: 400,
    description:
      'The request or release code is mistyped or is not one: `details.reason` is INVALID_CHARACTER, WRONG_LENGTH, CHECKSUM_MISMATCH or UNSUPPORTED_CODE (the parser of @leasehold/license-file).',
  },
  OFFLINE_CODE_WRONG_CONTAINER: {
    status: 422,
    description:
      'The request code was made for another container than the one in the path (`details.codeContainerId`).',
  },
  OFFLINE_CODE_ALREADY_USED: {
    status: 409,
    description:
      'This request or release code was already submitted: codes are single-use. Let the program make a new one.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}
