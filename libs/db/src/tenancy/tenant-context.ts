import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

const VENDOR_ID = 'tenant.vendorId';
const ACTOR = 'tenant.actor';

export type ActorKind = 'VENDOR_KEY' | 'PORTAL_USER' | 'OPERATOR' | 'DEVICE' | 'SYSTEM';

/** Who is acting in the current request or job, for the audit trail. */
export interface Actor {
  type: ActorKind;
  id: string | null;
}

const SYSTEM: Actor = { type: 'SYSTEM', id: null };

/**
 * The current tenant (vendor) of a request or job, kept in async-local storage. Authentication
 * sets it; the tenant-scoped Prisma client reads it on every query.
 */
@Injectable()
export class TenantContext {
  constructor(private readonly cls: ClsService) {}

  /** The current vendor id; throws when code runs outside a tenant (a programming error). */
  get vendorId(): string {
    const vendorId = this.cls.isActive() ? this.cls.get<string | undefined>(VENDOR_ID) : undefined;
    if (!vendorId)
      throw new Error('No tenant in context: this code must run inside a vendor request or TenantContext.run()');
    return vendorId;
  }

  get hasTenant(): boolean {
    return this.cls.isActive() && Boolean(this.cls.get<string | undefined>(VENDOR_ID));
  }

  /** The current actor; SYSTEM when no one authenticated (jobs, CLI). */
  get actor(): Actor {
    return (this.cls.isActive() && this.cls.get<Actor | undefined>(ACTOR)) || SYSTEM;
  }

  /** Binds the current request to a vendor and an actor (called by authentication). */
  enter(vendorId: string, actor?: Actor): void {
    this.cls.set(VENDOR_ID, vendorId);
    if (actor) this.cls.set(ACTOR, actor);
  }

  /** Sets the actor of a request that has no tenant yet (the operator). */
  setActor(actor: Actor): void {
    this.cls.set(ACTOR, actor);
  }

  /** Runs `fn` as the given vendor (jobs, CLI, tests), as `actor` (default SYSTEM). */
  run<T>(vendorId: string, fn: () => PromiseLike<T>, actor: Actor = SYSTEM): Promise<T> {
    return this.cls.run(async () => {
      this.cls.set(VENDOR_ID, vendorId);
      this.cls.set(ACTOR, actor);
      // Awaited here, inside the context: a Prisma query is lazy and only runs when `then` is
      // called, so `run(v, () => db.client.product.findMany())` would otherwise run it outside.
      return await fn();
    });
  }

  /** Runs `fn` outside any tenant as `actor` (the operator's command line). */
  runAs<T>(actor: Actor, fn: () => PromiseLike<T>): Promise<T> {
    return this.cls.run(async () => {
      this.cls.set(ACTOR, actor);
      return await fn();
    });
  }
}
