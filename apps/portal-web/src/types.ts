// The shapes the portal API answers, generated from docs/openapi/portal.json (`npm run openapi`
// writes ./generated/portal.ts). Dates arrive as ISO strings.
import type { components } from './generated/portal';

type Schemas = components['schemas'];

export type Role = NonNullable<Schemas['UserDto']['role']>;
/** A login: the signed-in user and the token pair (never called a session: that word is a live lease's, in paths). */
export type LoginUser = Schemas['TokenUserDto'];
export type LoginTokens = Schemas['TokenPairDto'];

/** One page of a list: its rows and the cursor of the next page (every *PageDto has this shape). */
export type Page<T> = Omit<Schemas['UserPageDto'], 'data'> & { data: T[] };

export type User = Schemas['UserDto'];
export type Group = Schemas['GroupDto'];
export type License = Schemas['ContainerLicenseDto'];
export type Container = Schemas['ContainerDto'];
export type Device = Schemas['DeviceDto'];
/** A live lease: a program holding a seat (GET /v1/group/sessions). */
export type LiveLease = Schemas['LiveLeaseDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type UsagePoint = Schemas['UsagePointDto'];
export type UsageHistory = Schemas['UsageHistoryDto'];
export type OfflineResult = Schemas['OfflineCodeResultDto'];
/** A live or ended seat lease of a license (GET /v1/group/licenses/:id/leases). */
export type LeaseHistoryEntry = Schemas['LeaseHistoryDto'];
/** A program waiting for a seat (WAITING) or one a freed seat is held for (HELD): GET /v1/group/sessions/queue. */
export type SeatQueueEntry = Schemas['SeatQueueEntryDto'];
/** Seats of an ENTERPRISE license reserved for a set of members (/v1/group/licenses/:id/reservations). */
export type Reservation = Schemas['ReservationDto'];
export type ReservationBody = Schemas['ReservationBodyDto'];
/** The answer of POST /v1/group/seat-moves. */
export type SeatMove = Schemas['SeatMoveDto'];
/** The group's borrowing switch (GET/PUT /v1/group/borrowing). */
export type GroupBorrowing = Schemas['GroupBorrowingDto'];
