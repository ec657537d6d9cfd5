import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

const VENDOR_ID = 'tenant.vendorId';

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
    if (!vendorId) throw new Error('No tenant in context: this code must run inside a vendor request or TenantContext.run()');
    return vendorId;
  }

  get hasTenant(): boolean {
    return this.cls.isActive() && Boolean(this.cls.get<string | undefined>(VENDOR_ID));
  }

  /** Binds the current request to a vendor (called by authentication). */
  enter(vendorId: string): void {
    this.cls.set(VENDOR_ID, vendorId);
  }

  /** Runs `fn` as the given vendor (jobs, CLI, tests). */
  run<T>(vendorId: string, fn: () => Promise<T>): Promise<T> {
    return this.cls.run(() => {
      this.cls.set(VENDOR_ID, vendorId);
      return fn();
    });
  }
}
