import { Injectable, Logger } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { ErpEvent, parseErpEvent } from '../erp-events.schema';
import { IntegrationsRepository } from '../integrations.repository';
import { ErpCustomers } from './erp-customers';
import { ErpOrders } from './erp-orders';
import { ErpEventResult, ProcessOutcome } from './erp-processing.types';

export interface ProcessInboundEventCommand {
  inboundEventId: string;
  /** No retry follows this attempt: an infrastructure failure marks the event FAILED. */
  finalAttempt: boolean;
  now?: Date;
}

/**
 * Applies one stored ERP/CRM event in one transaction, all or nothing, with the event marked
 * PROCESSED (and what it did) in that same transaction. The event row is locked first: a retried
 * or duplicated job waits, then finds it PROCESSED and does nothing. A business failure (a
 * DomainError: unknown product, too many devices, …) rolls everything back and marks the event
 * FAILED with the error, without retry; any other error is thrown for BullMQ to retry.
 * Runs inside the event's tenant (TenantContext.run).
 */
@Injectable()
export class ProcessInboundEventUseCase {
  private readonly logger = new Logger(ProcessInboundEventUseCase.name);

  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly orders: ErpOrders,
    private readonly customers: ErpCustomers,
  ) {}

  async execute(command: ProcessInboundEventCommand): Promise<ProcessOutcome> {
    const { inboundEventId: id } = command;
    try {
      return await this.integrations.processingTransaction(async (tx): Promise<ProcessOutcome> => {
        const event = await this.integrations.lockEvent(tx, id);
        if (!event) return { outcome: 'missing' };
        if (event.status !== 'RECEIVED') return { outcome: 'skipped', status: event.status };
        // A suspended vendor's queued events are not applied; the sweep queues them again once it is active.
        if ((await this.integrations.vendorStatus(tx)) !== 'ACTIVE')
          return { outcome: 'deferred', reason: 'VENDOR_SUSPENDED' };
        const parsed = parseErpEvent(event.payload);
        // Stored events were valid at intake; one that no longer parses (a schema change since) fails.
        if (!parsed.ok)
          throw new DomainError('VALIDATION_FAILED', 'The stored event no longer matches its schema', {
            fields: parsed.fields,
          });
        const result = await this.apply(tx, parsed.event);
        await this.integrations.markProcessed(tx, id, command.now ?? new Date(), result);
        return { outcome: 'processed', type: parsed.event.type, result };
      });
    } catch (error) {
      if (error instanceof DomainError) {
        const failure = {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        };
        await this.integrations.recordFailure(id, failure, true);
        this.logger.warn({ inboundEventId: id, code: error.code }, 'inbound event failed');
        return { outcome: 'failed', error: failure };
      }
      const message = error instanceof Error ? error.message : String(error);
      await this.integrations.recordFailure(id, { code: 'INTERNAL_ERROR', message }, command.finalAttempt);
      throw error;
    }
  }

  private apply(tx: TenantTransaction, event: ErpEvent): Promise<ErpEventResult> {
    switch (event.type) {
      case 'order.created':
        return this.orders.create(tx, event.data);
      case 'order.changed':
        return this.orders.change(tx, event.data);
      case 'order.cancelled':
        return this.orders.cancel(tx, event.data);
      case 'subscription.renewed':
        return this.orders.renew(tx, event.data);
      case 'customer.updated':
        return this.customers.update(tx, event.data);
    }
  }
}
