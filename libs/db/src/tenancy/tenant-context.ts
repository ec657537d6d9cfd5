import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';

export type ActorKind = 'VENDOR_KEY' | 'PORTAL_USER' | 'OPERATOR' | 'DEVICE' | 'SYSTEM';

/** Who is acting in the current request or job, for the audit trail. */
export interface Actor {
  type: ActorKind;
  id: string | null;
}

const SYSTEM: Actor = { type: 'SYSTEM', id: null };

interface TenantStore {
  vendorId?: string;
  actor?: Actor;
}

/**
 * One store per request or job. A plain AsyncLocalStorage rather than a CLS library: the library
 * registered a global guard and a global interceptor (both no-ops here) on every route, and the
 * interceptor alone put an rxjs chain into every request (docs/benchmarks.md).
 */
const storage = new AsyncLocalStorage<TenantStore>();

/**
 * Express middleware (mounted on every route by `configureProbeApp`, @leasehold/http): each request runs in a store of its
 * own, which authentication fills.
 */
export function tenantContextMiddleware(_req: unknown, _res: unknown, next: () => void): void {
  storage.run({}, next);
}

/** Runs `fn` in the current request's store, or in a new one where there is none yet. */
export function inRequestContext<T>(fn: () => Promise<T>): Promise<T> {
  return storage.getStore() ? fn() : storage.run({}, fn);
}

function currentStore(): TenantStore {
  const store = storage.getStore();
  if (!store)
    throw new Error('No request context: this code must run inside a request, TenantContext.run() or runAs()');
  return store;
}

/**
 * The current tenant (vendor) of a request or job, kept in async-local storage. Authentication
 * sets it; the tenant-scoped Prisma client reads it on every query.
 */
@Injectable()
export class TenantContext {
  /** The current vendor id; throws when code runs outside a tenant (a programming error). */
  get vendorId(): string {
    const vendorId = storage.getStore()?.vendorId;
    if (!vendorId)
      throw new Error('No tenant in context: this code must run inside a vendor request or TenantContext.run()');
    return vendorId;
  }

  get hasTenant(): boolean {
    return Boolean(storage.getStore()?.vendorId);
  }

  /** The current actor; SYSTEM when no one authenticated (jobs, CLI). */
  get actor(): Actor {
    return storage.getStore()?.actor ?? SYSTEM;
  }

  /** Binds the current request to a vendor and an actor (called by authentication). */
  enter(vendorId: string, actor?: Actor): void {
    const store = currentStore();
    store.vendorId = vendorId;
    if (actor) store.actor = actor;
  }

  /** Sets the actor of a request that has no tenant yet (the operator). */
  setActor(actor: Actor): void {
    currentStore().actor = actor;
  }

  /** Runs `fn` as the given vendor (jobs, CLI, tests), as `actor` (default SYSTEM). */
  run<T>(vendorId: string, fn: () => PromiseLike<T>, actor: Actor = SYSTEM): Promise<T> {
    // Awaited inside the store: a Prisma query is lazy and only runs when `then` is called, so
    // `run(v, () => db.client.product.findMany())` would otherwise run it outside.
    return storage.run({ ...storage.getStore(), vendorId, actor }, async () => await fn());
  }

  /** Runs `fn` outside any tenant as `actor` (the operator's command line). */
  runAs<T>(actor: Actor, fn: () => PromiseLike<T>): Promise<T> {
    return storage.run({ ...storage.getStore(), actor }, async () => await fn());
  }
}
