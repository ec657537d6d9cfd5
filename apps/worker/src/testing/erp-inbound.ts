import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { signInboundEvent } from '@leasehold/domain-integrations';

/** An ERP event posted to license-central's intake, signed exactly as docs/erp-integration.md tells an ERP to. */
export function postInboundEvent(central: INestApplication, integration: { id: string; secret: string }, body: unknown) {
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return request(central.getHttpServer())
    .post(`/webhooks/erp/${integration.id}`)
    .set('Content-Type', 'application/json')
    .set('Leasehold-Timestamp', timestamp)
    .set('Leasehold-Signature', signInboundEvent(integration.secret, timestamp, raw))
    .send(raw);
}
