// The shapes on the wire, taken from the OpenAPI document the server exports
// (docs/openapi/license-central.json → generated/license-central.ts by openapi-typescript). A spec
// change that breaks what the SDK relies on fails the SDK's type check.
import type { components, paths } from './generated/license-central';

type Schemas = components['schemas'];

export type LeaseAnswer = Schemas['LeaseDto'];
export type HeartbeatAnswer = Schemas['HeartbeatAnswerDto'];
export type EndedLease = Schemas['EndedLeaseDto'];
export type Device = Schemas['DeviceDto'];
export type ValidationAnswer = Schemas['ValidationAnswerDto'];
export type ValidationCode = ValidationAnswer['code'];
export type ValidationLicense = NonNullable<ValidationAnswer['license']>;
export type UpdateAnswer = Schemas['UpdateAnswerDto'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type ErrorCode = ErrorResponse['error']['code'];

export type ActivateBody = Schemas['ActivateDeviceDto'];
export type ValidateBody = Schemas['ValidateDto'];
export type CheckoutBody = Schemas['CheckoutDto'];
export type BorrowBody = Schemas['BorrowDto'];
export type SeatQueueTicket = Schemas['SeatQueueTicketDto'];
export type JoinSeatQueueBody = Schemas['JoinSeatQueueDto'];

/** The request body of each client route the SDK calls, as the spec states it. */
export type ClientPaths = Pick<
  paths,
  | '/client/v1/activations'
  | '/client/v1/activations/deactivate'
  | '/client/v1/validate'
  | '/client/v1/seats/checkout'
  | '/client/v1/seats/{leaseId}/heartbeat'
  | '/client/v1/seats/{leaseId}/release'
  | '/client/v1/seats/{leaseId}/borrow'
  | '/client/v1/seat-queue'
  | '/client/v1/seat-queue/{ticketId}'
  | '/client/v1/license-file'
  | '/client/v1/updates'
  | '/client/v1/updates/stream'
  | '/client/v1/vendors/{vendorId}/signing-keys'
>;
