import { Injectable } from '@nestjs/common';
import { PgPool, SqlExecutor } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { OverageRepository } from './overage.repository';
import { OverageService } from './overage.service';
import { allowanceOf, OverageAllowance, OverageColumns, seatCapacity } from './seat-capacity';
import { SeatPoolService } from './seat-pool.service';

// The vendor's overage allowance of a license: how far above its quantity checkouts may
// go for peaks, as a factor (1.25×, 1.5×, 2×: stored as the extra percent) or a number of extra
// seats. Setting it resizes the seat pool to quantity + allowance; lowering or removing it never
// ends a running session (the extra seats stay held until freed, as when the quantity shrinks).

export interface OverageAllowanceView {
  licenseId: string;
  quantity: number;
  allowance: OverageAllowance;
  /** quantity + allowance: the most seats in use at once. */
  capacity: number;
  /** Seats in use now. */
  inUse: number;
  /** The open overage episode's start (seats in use above the quantity since then), or null. */
  overageSince: Date | null;
}

@Injectable()
export class OverageAllowanceService {
  constructor(
    private readonly pg: PgPool,
    private readonly pool: SeatPoolService,
    private readonly overage: OverageService,
    private readonly episodes: OverageRepository,
    private readonly audit: AuditService,
  ) {}

  async get(licenseId: string): Promise<OverageAllowanceView> {
    return this.pg.transaction((tx) => this.view(tx, licenseId));
  }

  /** Sets the allowance (null removes it); a change is audited (`license.overage_changed`, before and after). */
  async set(licenseId: string, allowance: OverageAllowance): Promise<OverageAllowanceView> {
    const columns = toColumns(allowance);
    return this.pg.transaction(async (tx) => {
      const before = allowanceOf(await this.episodes.columns(tx, licenseId));
      await this.pool.setOverage(tx, licenseId, columns);
      await this.overage.settleIfTracked(tx, licenseId);
      const view = await this.view(tx, licenseId);
      if (JSON.stringify(before) !== JSON.stringify(view.allowance)) {
        await this.audit.record(tx, {
          action: 'license.overage_changed',
          entityType: 'license',
          entityId: licenseId,
          before: { allowance: before },
          after: { allowance: view.allowance },
        });
      }
      return view;
    });
  }

  private async view(tx: SqlExecutor, licenseId: string): Promise<OverageAllowanceView> {
    const state = await this.episodes.state(tx, licenseId);
    if (!state) throw DomainError.notFound('License', licenseId);
    const columns = await this.episodes.columns(tx, licenseId);
    return {
      licenseId,
      quantity: state.quantity,
      allowance: allowanceOf(columns),
      capacity: seatCapacity(state.quantity, columns),
      inUse: state.inUse,
      overageSince: state.openStartedAt,
    };
  }
}

/** The allowance of a request body: exactly one of factor and extraSeats. */
export function allowanceFromBody(body: { factor?: number; extraSeats?: number }): Exclude<OverageAllowance, null> {
  if ((body.factor === undefined) === (body.extraSeats === undefined)) {
    throw invalid('factor', 'give exactly one of factor and extraSeats');
  }
  return body.factor !== undefined ? { factor: body.factor } : { extraSeats: body.extraSeats as number };
}

/** A factor 1.01 … 10 with at most two decimals (stored as the extra percent), or 1 … 100000 extra seats. */
export function toColumns(allowance: OverageAllowance): OverageColumns {
  if (allowance === null) return { overagePercent: null, overageExtraSeats: null };
  if ('extraSeats' in allowance) {
    if (!Number.isInteger(allowance.extraSeats) || allowance.extraSeats < 1 || allowance.extraSeats > 100_000) {
      throw invalid('extraSeats', 'extraSeats must be an integer from 1 to 100000');
    }
    return { overagePercent: null, overageExtraSeats: allowance.extraSeats };
  }
  const percent = Math.round((allowance.factor - 1) * 100);
  if (
    !Number.isFinite(allowance.factor) ||
    percent < 1 ||
    percent > 900 ||
    Math.abs((allowance.factor - 1) * 100 - percent) > 1e-6
  ) {
    throw invalid('factor', 'factor must be from 1.01 to 10 with at most two decimals (e.g. 1.25, 1.5, 2)');
  }
  return { overagePercent: percent, overageExtraSeats: null };
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });
}
