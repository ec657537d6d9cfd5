import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { bullConnection } from '@leasehold/queues';

/**
 * One of the running worker's queues, and that queue's events to wait for a job's result with
 * (`job.waitUntilFinished(queueEvents)`). Close the events before the worker.
 */
export async function workerQueue(
  worker: INestApplication,
  name: string,
): Promise<{ queue: Queue; queueEvents: QueueEvents }> {
  const config = worker.get(ConfigService);
  const queueEvents = new QueueEvents(name, {
    connection: bullConnection(config.get('REDIS_URL')),
    prefix: `${config.get('REDIS_PREFIX')}:bull`,
  });
  await queueEvents.waitUntilReady();
  return { queue: worker.get<Queue>(getQueueToken(name)), queueEvents };
}
