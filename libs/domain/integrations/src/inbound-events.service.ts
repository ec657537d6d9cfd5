import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { TenantContext } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { ERP_INTAKE_JOBS, inboundEventJobId, InboundEventJobData, QUEUES } from '@leasehold/queues';
import { parseErpEvent } from './erp-events.schema';
import { decryptIntegrationSecret, inboundSignatureMatches, timestampProblem } from './integration-secret';
import { IntegrationsRepository } from './integrations.repository';
import { InboundReceipt, InboundRequest } from './integrations.types';

// Intake of ERP/CRM events: verify (signature, then timestamp), store, enqueue, answer fast.
// Nothing is stored before the signature is verified (an anonymous caller cannot fill the table).
// A verified but malformed event is stored REJECTED with its field errors for the vendor to inspect;
// a valid one is stored RECEIVED once per (integration, signed event id) and processed by the
// worker; the same id with another body is refused (EVENT_ID_REUSED). A suspended vendor's
// integrations accept nothing (VENDOR_SUSPENDED), and the worker processes nothing of it. If the enqueue fails (Redis down), the worker's sweep finds the RECEIVED row later.

const MAX_KEY_LENGTH = 200;
/** The longest an intake waits for Redis to take the job. */
export const ENQUEUE_TIMEOUT_MS = 1_000;

@Injectable()
export class InboundEventsService {
  private readonly logger = new Logger(InboundEventsService.name);
  private readonly platformKey: Buffer;

  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly tenant: TenantContext,
    @InjectQueue(QUEUES.erpIntake) private readonly queue: Queue<InboundEventJobData>,
    config: ConfigService,
  ) {
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  async receive(request: InboundRequest, now = new Date()): Promise<InboundReceipt> {
    if (!request.timestamp || !/^\d{1,12}$/.test(request.timestamp))
      throw this.timestampRejected(timestampProblem(request.timestamp, now) ?? '');
    const integration = await this.integrations.findForIntake(request.integrationId);
    // One answer for an unknown integration and a wrong signature: no oracle for integration ids.
    const unverified = new DomainError(
      'INBOUND_SIGNATURE_INVALID',
      'The Leasehold-Signature does not match this body and timestamp',
    );
    if (!integration || !request.rawBody) throw unverified;
    const secret = decryptIntegrationSecret(
      this.platformKey,
      integration.encryptedSecret,
      integration.vendorId,
      integration.id,
      integration.secretVersion,
    );
    if (!inboundSignatureMatches(secret, request.timestamp, request.rawBody, request.signature)) throw unverified;
    // Checked after the signature, so a timestamp cannot be moved forward without the secret.
    const stale = timestampProblem(request.timestamp, now);
    if (stale) throw this.timestampRejected(stale);
    if (integration.vendorStatus !== 'ACTIVE')
      throw new DomainError('VENDOR_SUSPENDED', 'The vendor account is suspended; its integrations accept no events');
    if (integration.status !== 'ACTIVE')
      throw new DomainError('INTEGRATION_DISABLED', `Integration ${integration.id} is disabled`, {
        integrationId: integration.id,
      });

    return this.tenant.run(integration.vendorId, () => this.store(integration.id, request), {
      type: 'SYSTEM',
      id: null,
    });
  }

  private async store(integrationId: string, request: InboundRequest): Promise<InboundReceipt> {
    const body = request.body;
    const bodyId =
      typeof body === 'object' && body && typeof (body as { id?: unknown }).id === 'string'
        ? (body as { id: string }).id
        : null;
    const bodyType =
      typeof body === 'object' && body && typeof (body as { type?: unknown }).type === 'string'
        ? (body as { type: string }).type
        : null;
    const parsed = parseErpEvent(body);
    const fields = parsed.ok ? [] : [...parsed.fields];
    if (!parsed.ok) {
      const rejected = await this.integrations.insertRejected({
        integrationId,
        externalEventId: bodyId?.slice(0, MAX_KEY_LENGTH) ?? null,
        type: bodyType?.slice(0, 100) ?? null,
        payload: body,
        errors: { fields },
      });
      throw new DomainError('VALIDATION_FAILED', `Invalid event: ${fields.map((f) => f.field).join(', ')}`, {
        fields,
        inboundEventId: rejected.id,
      });
    }
    // Deduplicated on the event id, which the signature covers; an Idempotency-Key header (not
    // signed: anyone replaying a captured request could change it) plays no part.
    const { event, duplicate, sameBody } = await this.integrations.insertAccepted({
      integrationId,
      externalEventId: parsed.event.id,
      dedupKey: parsed.event.id,
      type: parsed.event.type,
      payload: parsed.event,
    });
    if (!sameBody) {
      throw new DomainError(
        'EVENT_ID_REUSED',
        `Event ${parsed.event.id} was already received with a different body; send a change as a new event`,
        {
          eventId: parsed.event.id,
          inboundEventId: event.id,
        },
      );
    }
    if (event.status === 'RECEIVED') await this.enqueue(this.tenant.vendorId, event.id);
    return { id: event.id, status: event.status, duplicate };
  }

  /**
   * Queues processing; a lost enqueue is not an error (the sweep re-enqueues RECEIVED events). The
   * event is already stored, so the answer never waits long for Redis: at most ENQUEUE_TIMEOUT_MS
   * (an API's queue connection also fails at once while Redis is away: QueuesModule.forProducers).
   */
  async enqueue(vendorId: string, inboundEventId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const added = this.queue.add(
        ERP_INTAKE_JOBS.process,
        { vendorId, inboundEventId },
        { jobId: inboundEventJobId(inboundEventId) },
      );
      added.catch(() => undefined); // may settle after the timeout; the sweep covers it either way
      await Promise.race([
        added,
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new Error(`no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`)),
              ENQUEUE_TIMEOUT_MS,
            )),
        ),
      ]);
    } catch (error) {
      this.logger.warn({ err: error, inboundEventId }, 'could not enqueue an inbound event; the sweep will pick it up');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Re-enqueues RECEIVED events older than a minute (of active vendors) whose job may be lost or
   * finished without applying them (deferred while the vendor was suspended); returns how many.
   */
  async enqueueStale(now = new Date()): Promise<number> {
    const events = await this.integrations.receivedBefore(new Date(now.getTime() - 60_000), 500);
    for (const event of events) {
      // A finished job keeps its id for a day and would swallow the re-enqueue: drop it first.
      const previous = await this.queue.getJob(inboundEventJobId(event.id)).catch(() => undefined);
      if (previous && ((await previous.isCompleted()) || (await previous.isFailed())))
        await previous.remove().catch(() => undefined);
      await this.enqueue(event.vendorId, event.id);
    }
    return events.length;
  }

  private timestampRejected(reason: string): DomainError {
    return new DomainError('INBOUND_TIMESTAMP_REJECTED', reason);
  }
}
