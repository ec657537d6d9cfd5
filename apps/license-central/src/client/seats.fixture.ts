import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestApp } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import type { SeatWorld } from '../testing/seat-world';

// Seats through HTTP (seats.*.e2e.spec.ts): the program's routes (container credentials) and the
// vendor's session and usage routes. Containers and licenses are written directly (the licensing
// routes have their own tests); the seat pool is made by the same SeatPoolService the licensing
// domain calls: ../testing/seat-world.

/** A fingerprint the checkout accepts, told apart by `name`. */
export const fp = (name: string) => `fp-${name}-0000`;

export class SeatsApp {
  app!: INestApplication;
  /** A second instance on the same database, as a second replica (`useSeatsApp({ instances: 2 })`). */
  second!: INestApplication;

  /** supertest against `a` (the first instance unless told). */
  readonly http = (a: INestApplication = this.app) => request(a.getHttpServer());

  /** The program on `w`'s container asks `a` for a seat of `w`'s license. */
  readonly checkout = (w: SeatWorld, body: { fingerprint: string } & Record<string, unknown>, a?: INestApplication) =>
    this.http(a)
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, ...body });
}

/** license-central, started before the describe block's tests (and `second` with `instances: 2`) and closed after them. */
export function useSeatsApp(options: { instances?: 1 | 2 } = {}): SeatsApp {
  const seats = new SeatsApp();
  beforeAll(async () => {
    seats.app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    if (options.instances === 2) seats.second = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  });
  afterAll(async () => {
    await seats.app.close();
    if (options.instances === 2) await seats.second.close();
  }, 60_000);
  return seats;
}
