// `npm run sql:snapshot`: writes sql/<repository>.sql, the hot raw-SQL statements of the seat and
// validation paths as the repositories build them (checkout and claim, heartbeat, release, borrow,
// sessions, validate, license file, the expiry sweep, the seat queue), with their parameters as
// $1, $2, … — so a change to a statement or to a rule fragment it uses (seat-rules.sql.ts) shows
// in the diff as SQL. The statements are not copies: each is produced by calling the production
// repository method with an executor that records the statement instead of sending it.
// scripts/sql-snapshot.spec.ts fails when a file is stale, and prepares every statement on a real
// database so each is valid SQL. (As Immich's server/src/queries/*.sql.)
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Prisma } from '@leasehold/db';
import type { PgPool, PrismaService, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { ValidationRepository } from '../libs/domain/licensing/src/validation/validation.repository';
import { LicenseFileRepository } from '../libs/domain/offline/src/license-file.repository';
import { LeaseSweepRepository } from '../libs/domain/seats/src/lease-sweep.repository';
import { reservationAdmits } from '../libs/domain/seats/src/reservations.repository';
import { SeatCheckoutRepository } from '../libs/domain/seats/src/seat-checkout.repository';
import { SeatLeaseRepository } from '../libs/domain/seats/src/seat-lease.repository';
import { SeatQueueRepository } from '../libs/domain/seats/src/seat-queue.repository';
import { SessionsRepository } from '../libs/domain/seats/src/sessions.repository';
import { SeatPoolRepository } from '../libs/domain/seats/src/seat-pool.repository';
import { UsageRepository } from '../libs/domain/seats/src/usage.repository';
import { UsageAggregatesRepository } from '../libs/domain/seats/src/usage-aggregates.repository';
import { RenewalsRepository } from '../libs/domain/renewals/src/renewals.repository';
import { OutboxRepository } from '../libs/domain/events/src/outbox.repository';
import { WebhookDeliveriesRepository } from '../libs/domain/webhooks/src/webhook-deliveries.repository';

export const SQL_DIR = path.join(__dirname, '..', 'sql');

/** Records each statement (text with $n placeholders) and answers one empty row, so multi-statement methods run to the end. */
class RecordingExecutor implements SqlExecutor {
  readonly texts: string[] = [];

  async $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    this.record(query, values);
    return [{}] as T;
  }

  async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    this.record(query, values);
    return 1;
  }

  private record(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): void {
    this.texts.push((query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values)).text);
  }
}

const VENDOR = '00000000-0000-7000-8000-000000000001';
const LICENSE = '00000000-0000-7000-8000-000000000002';
const CONTAINER = '00000000-0000-7000-8000-000000000003';
const LEASE = '00000000-0000-7000-8000-000000000004';
const TICKET = '00000000-0000-7000-8000-000000000005';
const USER = '00000000-0000-7000-8000-000000000006';
const EVENT = '00000000-0000-7000-8000-000000000007';
const FINGERPRINT = 'fp';
const HASH = 'credential-hash';
const UNTIL = new Date('2030-01-01T00:00:00Z');

/** The repositories, wired to one recording executor (as a transaction, the pool and the tenant client alike). */
function repositories(tx: RecordingExecutor) {
  const db = { vendorId: VENDOR, client: tx } as unknown as TenantPrisma;
  // lockedStatement's BEGIN with the locks and COMMIT are not recorded, only its statement.
  const pg = {
    sql: tx,
    lockedStatement: (_locks: bigint | bigint[], statement: Prisma.Sql) => tx.$queryRaw(statement),
  } as unknown as PgPool;
  return {
    pg,
    checkout: new SeatCheckoutRepository(db, pg),
    lease: new SeatLeaseRepository(db, pg),
    sessions: new SessionsRepository(db),
    sweep: new LeaseSweepRepository(),
    queue: new SeatQueueRepository(db, pg),
    validation: new ValidationRepository(pg),
    licenseFile: new LicenseFileRepository(db),
    pool: new SeatPoolRepository(db),
    renewals: new RenewalsRepository(db, tx as unknown as PrismaService),
    usage: new UsageRepository(db),
    usageAggregates: new UsageAggregatesRepository(),
    outbox: new OutboxRepository(db, tx as unknown as PrismaService),
    deliveries: new WebhookDeliveriesRepository(tx as unknown as PrismaService),
  };
}

type Repositories = ReturnType<typeof repositories>;
type Call = (r: Repositories, tx: RecordingExecutor) => Promise<unknown>;

const newLease = {
  id: LEASE,
  licenseId: LICENSE,
  containerId: CONTAINER,
  deviceId: null,
  fingerprint: FINGERPRINT,
  clientName: null,
  userId: USER,
  borrowUntil: null,
  returnKeyHash: null,
};
const online = { ttlSeconds: 600, notAfter: null };

/**
 * One file a repository: each entry names the call (and its variant) whose statements follow. A
 * method whose statement varies with its arguments shows the variants that differ in a rule.
 */
export const SNAPSHOTS: Record<string, Record<string, Call>> = {
  'seat-checkout.repository': {
    'checkoutContext (by licenseId)': (r, tx) =>
      r.checkout.checkoutContext(tx, CONTAINER, { licenseId: LICENSE }, FINGERPRINT),
    'claimCommon (a batch of common claims, here one by licenseId: the contexts and the claims in one statement, under BEGIN with the locks)':
      (r) =>
        r.checkout.claimCommon(
          {
            containerId: CONTAINER,
            license: { licenseId: LICENSE },
            fingerprint: FINGERPRINT,
            leaseId: LEASE,
            clientName: null,
          },
          EVENT,
        ),
    'claimSlot (online, SKIP LOCKED, no ticket)': (r, tx) =>
      r.checkout.claimSlot(tx, { lease: newLease, term: online, wait: false }),
    'claimSlot (online, SKIP LOCKED, no ticket, a user, on a license with reservations)': (r, tx) =>
      r.checkout.claimSlot(tx, {
        lease: { ...newLease, userId: USER },
        term: online,
        wait: false,
        admission: reservationAdmits(VENDOR, LICENSE, USER),
      }),
    'claimSlot (borrowed, waiting for locks, with a queue ticket)': (r, tx) =>
      r.checkout.claimSlot(tx, {
        lease: { ...newLease, borrowUntil: UNTIL, returnKeyHash: 'h' },
        term: { borrowUntil: UNTIL },
        wait: true,
        ticketId: TICKET,
      }),
    lockPersonalOffline: (r, tx) => r.checkout.lockPersonalOffline(tx, CONTAINER, FINGERPRINT),
    occupancy: (r, tx) => r.checkout.occupancy(tx, LICENSE),
    countDenial: (r, tx) => r.checkout.countDenial(tx, LICENSE),
  },
  'seat-lease.repository': {
    'heartbeats (hot path: authenticated by credential hash, batched)': (r) =>
      r.lease.heartbeatsByCredential(undefined, VENDOR, [{ credentialHash: HASH, leaseId: LEASE }]),
    'heartbeat (authenticated container)': (r, tx) => r.lease.heartbeat(tx, LEASE, { containerId: CONTAINER }),
    'leaseState (device: its container)': (r, tx) => r.lease.leaseState(tx, LEASE, { containerId: CONTAINER }),
    'freeSlot (release: a borrow only with the return proof)': (r, tx) =>
      r.lease.freeSlot(tx, LEASE, { containerId: CONTAINER }, { onlineOnly: false, returnProofHash: 'p' }),
    'freeSlot (admin stop: online only)': (r, tx) => r.lease.freeSlot(tx, LEASE, {}, { onlineOnly: true }),
    'endLease (now)': (r, tx) => r.lease.endLease(tx, LEASE, 'RELEASED', 'now'),
    'releasesByCredential (hot path of release, batched)': (r) =>
      r.lease.releasesByCredential(VENDOR, [{ credentialHash: HASH, leaseId: LEASE }]),
    setBorrow: (r, tx) => r.lease.setBorrow(tx, LEASE, CONTAINER, UNTIL, 'h'),
    lockChurn: (r, tx) => r.lease.lockChurn(tx, CONTAINER),
  },
  'sessions.repository': {
    'listSessions (a license, after a cursor)': (r) =>
      r.sessions.listSessions({ licenseId: LICENSE, take: 50, cursor: LEASE }),
    freeSlotsOfUser: (r, tx) => r.sessions.freeSlotsOfUser(tx, USER),
    unendedLeaseIdsOfUser: (r, tx) => r.sessions.unendedLeaseIdsOfUser(tx, USER),
  },
  'lease-sweep.repository': {
    sweep: (r, tx) => r.sweep.sweep(tx, 500),
  },
  'seat-queue.repository': {
    lockLicenseQueue: (r, tx) => r.queue.lockLicenseQueue(tx, LICENSE),
    liveTicketOf: (r, tx) => r.queue.liveTicketOf(tx, LICENSE, FINGERPRINT),
    insert: (r, tx) =>
      r.queue.insert(tx, {
        id: TICKET,
        licenseId: LICENSE,
        containerId: CONTAINER,
        fingerprint: FINGERPRINT,
        clientName: null,
        userId: null,
      }),
    'find (device: its container)': (r, tx) => r.queue.find(tx, TICKET, { containerId: CONTAINER }),
    renew: (r) => r.queue.renew(TICKET, CONTAINER),
    'freeSlots (grant pass)': (r, tx) => r.queue.freeSlots(tx, LICENSE),
    'waiting (grant pass)': (r, tx) => r.queue.waiting(tx, LICENSE, 500),
    'hold (grant pass)': (r, tx) => r.queue.hold(tx, LICENSE, [1], [TICKET]),
    markClaimed: (r, tx) => r.queue.markClaimed(tx, TICKET, LEASE),
    cancel: (r, tx) => r.queue.cancel(tx, TICKET, CONTAINER),
    'lapseDue (sweep)': (r, tx) => r.queue.lapseDue(tx, 500),
    'licensesToServe (sweep)': (r) => r.queue.licensesToServe(500),
    'listLive (a group)': (r) => r.queue.listLive({ groupId: USER, take: 50 }),
  },
  'validation.repository': {
    'loadMany (batched: one product, or any)': (r) =>
      r.validation.loadMany(VENDOR, [{ credentialHash: HASH, fingerprint: FINGERPRINT, product: 'cad' }]),
    'seatsMany (counted licenses only; the seats of the validations of one turn, batched)': (r) =>
      r.validation.seatsMany(VENDOR, [{ licenseIds: [LICENSE], fingerprint: FINGERPRINT, userId: USER }]),
  },
  'license-file.repository': {
    'load (one product)': (r) => r.licenseFile.load(CONTAINER, FINGERPRINT, 'cad'),
  },
  'seat-pool.repository': {
    lockLicense: (r, tx) => r.pool.lockLicense(tx, LICENSE),
  },
  'usage.repository': {
    // The recorded answer is no usage row: only the statement matters here.
    'computed (one license, from the lease history)': (r) =>
      r.usage.computed(LICENSE, UNTIL, UNTIL, 'hour').catch(() => undefined),
  },
  'usage-aggregates.repository': {
    'writeHours (sweep)': (r, tx) => r.usageAggregates.writeHours(tx, UNTIL, UNTIL),
  },
  'outbox.repository': {
    // The recorded executor answers 1 row deleted: one batch of 1 is the last.
    'purgeDeliveredBefore (sweep)': (r) => r.outbox.purgeDeliveredBefore(UNTIL, 1_000),
  },
  'webhook-deliveries.repository': {
    'claim (one attempt of a delivery job)': (r) => r.deliveries.claim({ vendorId: VENDOR, id: TICKET }, UNTIL, UNTIL),
  },
  'renewals.repository': {
    'sweepCandidates (sweep)': (r) => r.renewals.sweepCandidates(UNTIL, UNTIL, 1_000),
  },
};

/** Removes the indentation of the statement's first line from every line that has it, and trailing blanks. */
function tidy(text: string): string {
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  const indent = lines[0]?.match(/^ */)?.[0] ?? '';
  return lines.map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())).join('\n');
}

/** The statements of one file, as run, in order: `[call name, statement text]`. */
export async function statementsOf(file: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const [name, call] of Object.entries(SNAPSHOTS[file])) {
    const tx = new RecordingExecutor();
    await call(repositories(tx), tx);
    tx.texts.forEach((text, i) =>
      out.push([tx.texts.length > 1 ? `${name}, statement ${i + 1} of ${tx.texts.length}` : name, text]),
    );
  }
  return out;
}

export async function renderSnapshot(file: string): Promise<string> {
  const repository = file
    .replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())
    .replace('.repository', 'Repository');
  const parts = (await statementsOf(file)).map(([name, text]) => `-- ${repository}.${name}\n${tidy(text)};\n`);
  return [
    `-- Generated by \`npm run sql:snapshot\` (scripts/sql-snapshot.ts) from ${repository}'s own code; do not edit.`,
    '',
    ...parts,
  ].join('\n');
}

async function main(): Promise<void> {
  await mkdir(SQL_DIR, { recursive: true });
  for (const old of await readdir(SQL_DIR)) if (old.endsWith('.sql')) await rm(path.join(SQL_DIR, old));
  for (const file of Object.keys(SNAPSHOTS)) {
    await writeFile(path.join(SQL_DIR, `${file}.sql`), await renderSnapshot(file));
    console.log(`wrote sql/${file}.sql`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
