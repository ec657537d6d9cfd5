// The reuse grace of portal refresh tokens (PORTAL_REFRESH_REUSE_GRACE_SECONDS, 30 s here): a used
// refresh token presented again shortly after its use, while the token that replaced it was never
// used, is a retry whose answer was lost, and gets a new pair in place of the unused one; anything
// else is still reuse and ends the login. Real portal app, Postgres and Redis; the races are held at
// the same moment by a row lock taken from another connection (no timing luck).
import { createHash } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { IdentityService } from '@leasehold/domain-identity';
import {
  createPortalUser,
  createTestApp,
  createTestAppWithEnv,
  createVendor,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

describe('portal refresh: the reuse grace for a refresh whose answer was lost', () => {
  let app: INestApplication;
  /** The same portal with PORTAL_REFRESH_REUSE_GRACE_SECONDS=0: every used token presented again is reuse. */
  let strict: INestApplication;
  let acme: TestVendor;

  beforeAll(async () => {
    app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    strict = await createTestAppWithEnv(PortalLicensingTestModule, PORTAL_API, {
      PORTAL_REFRESH_REUSE_GRACE_SECONDS: '0',
    });
    acme = await createVendor(app, 'Acme');
  });
  afterAll(async () => {
    await strict?.close();
    await app?.close();
  });

  const refresh = (refreshToken: string, on = app) =>
    request(on.getHttpServer()).post('/v1/auth/refresh').send({ refreshToken });
  const getMe = (accessToken: string) =>
    request(app.getHttpServer()).get('/v1/me').set('Authorization', `Bearer ${accessToken}`);
  const pairFrom = async (refreshToken: string, on = app): Promise<Pair> =>
    (await refresh(refreshToken, on).expect(200)).body;
  /** The stored row of a refresh token (only its SHA-256 is stored). */
  const rowOf = async (token: string) => {
    const tokenHash = createHash('sha256').update(token).digest('hex');
    return app.get(PrismaService).refreshToken.findFirstOrThrow({ where: { tokenHash } });
  };
  /** Refresh tokens of the login (family) that still work: neither used, revoked nor expired (retired). */
  const liveTokens = async (user: TestPortalUser) => {
    const { familyId, vendorId } = await rowOf(user.refreshToken);
    return app.get(PrismaService).refreshToken.findMany({
      where: { vendorId, familyId, usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    });
  };
  const expectCode = (res: request.Response, code: string) => expect(res.body.error.code).toBe(code);
  /** Every access token and refresh token of a login that reuse detection ended is refused. */
  const expectLoginEnded = async (pairs: Pair[]) => {
    for (const pair of pairs) {
      expectCode(await getMe(pair.accessToken).expect(401), 'TOKEN_REVOKED');
      await refresh(pair.refreshToken).expect(401);
    }
  };

  it('a refresh whose answer was lost is retried with the same token: a new pair, and the lost one no longer works', async () => {
    const user = await createPortalUser(app, acme);
    const lost = await pairFrom(user.refreshToken); // the server rotated; the answer never arrived
    const retried = await pairFrom(user.refreshToken); // the client still holds only the used token
    expect(retried.refreshToken).toMatch(/^lhr_/);
    expect(retried.refreshToken).not.toBe(lost.refreshToken);
    await getMe(retried.accessToken).expect(200);
    expect((await liveTokens(user)).map((t) => t.id)).toEqual([(await rowOf(retried.refreshToken)).id]);

    // The lost token was replaced: refused, and presenting it does not end the login.
    expectCode(await refresh(lost.refreshToken).expect(401), 'REFRESH_TOKEN_INVALID');
    await getMe(retried.accessToken).expect(200);
    const next = await pairFrom(retried.refreshToken);
    await getMe(next.accessToken).expect(200);
    expect(await liveTokens(user)).toHaveLength(1);
  });

  it('the attack: a used token presented after its successor was used ends the login, even within the grace', async () => {
    const user = await createPortalUser(app, acme);
    const owner = await pairFrom(user.refreshToken);
    const ownerNext = await pairFrom(owner.refreshToken); // the owner's client went on with its new token
    expectCode(await refresh(user.refreshToken).expect(401), 'REFRESH_TOKEN_REUSED'); // the thief, 1 s later
    await expectLoginEnded([owner, ownerNext]);
    expect(await liveTokens(user)).toHaveLength(0);

    // The same after a grace answer: the retried pair is used, then the first token comes again.
    const other = await createPortalUser(app, acme);
    await pairFrom(other.refreshToken); // lost
    const retried = await pairFrom(other.refreshToken);
    const after = await pairFrom(retried.refreshToken);
    expectCode(await refresh(other.refreshToken).expect(401), 'REFRESH_TOKEN_REUSED');
    await expectLoginEnded([retried, after]);
  });

  it('outside the grace, a used token presented again is reuse as before (the grace counts from its first use)', async () => {
    const identity = app.get(IdentityService);
    const seconds = (s: number) => new Date(Date.now() + s * 1000);
    const inside = await createPortalUser(app, acme);
    await pairFrom(inside.refreshToken);
    const retried = await identity.refresh(inside.refreshToken, seconds(29));
    // A retry of the retry counts from the first use too: 31 s after it, it is reuse.
    await expect(identity.refresh(inside.refreshToken, seconds(31))).rejects.toMatchObject({
      code: 'REFRESH_TOKEN_REUSED',
    });
    await expectLoginEnded([retried]);

    const outside = await createPortalUser(app, acme);
    const owner = await pairFrom(outside.refreshToken);
    await expect(identity.refresh(outside.refreshToken, seconds(31))).rejects.toMatchObject({
      code: 'REFRESH_TOKEN_REUSED',
    });
    await expectLoginEnded([owner]);
  });

  /**
   * Sends `count` refreshes with `token` so that they meet at one moment: another connection holds
   * the token's row locked until every one of them waits for it (each has read the token and is
   * about to change it), then lets them go.
   */
  async function atOneMoment(token: string, count = 2, on = app): Promise<request.Response[]> {
    const { id } = await rowOf(token);
    const gate = new Client({ connectionString: process.env['DATABASE_URL'] });
    const watch = new Client({ connectionString: process.env['DATABASE_URL'] });
    await Promise.all([gate.connect(), watch.connect()]);
    try {
      await gate.query('BEGIN');
      await gate.query('SELECT 1 FROM refresh_tokens WHERE id = $1 FOR UPDATE', [id]);
      const answers = Array.from({ length: count }, () => refresh(token, on).then((res) => res));
      const until = Date.now() + 10_000;
      for (;;) {
        // The first waits for the gate, the others for the first: every backend of this worker's
        // database that waits for a lock.
        const waiting = await watch.query<{ n: number }>(
          `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database()`,
        );
        const n = waiting.rows[0]?.n ?? 0;
        if (n >= count) break;
        if (Date.now() > until) throw new Error(`only ${n} of ${count} refreshes reached the lock`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await gate.query('COMMIT');
      return await Promise.all(answers);
    } finally {
      await Promise.all([gate.end(), watch.end()]);
    }
  }

  /** The one answer of `answers` with `status`. */
  const answerWith = (answers: request.Response[], status: number): request.Response => {
    const found = answers.filter((r) => r.status === status);
    if (found.length !== 1) throw new Error(`${found.length} answers with ${status}`);
    return found[0] as request.Response;
  };

  it('the attack: two retries of one used token at one moment get one pair; the other is refused and the login goes on', async () => {
    for (let round = 0; round < 4; round++) {
      const user = await createPortalUser(app, acme);
      await pairFrom(user.refreshToken); // lost
      const answers = await atOneMoment(user.refreshToken);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
      expectCode(answerWith(answers, 401), 'REFRESH_TOKEN_INVALID');
      const winner: Pair = answerWith(answers, 200).body;
      expect((await liveTokens(user)).map((t) => t.id)).toEqual([(await rowOf(winner.refreshToken)).id]);
      await getMe(winner.accessToken).expect(200);
      await getMe((await pairFrom(winner.refreshToken)).accessToken).expect(200);
    }
  });

  it('two refreshes with one unused token at one moment: one wins, the other is refused, and the login goes on', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await createPortalUser(app, acme);
      const answers = await atOneMoment(user.refreshToken);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
      expectCode(answerWith(answers, 401), 'REFRESH_TOKEN_INVALID');
      const winner: Pair = answerWith(answers, 200).body;
      expect(await liveTokens(user)).toHaveLength(1);
      await getMe((await pairFrom(winner.refreshToken)).accessToken).expect(200);
    }
  });

  it('retries sent together, round after round: never two live tokens, and the login never ends', async () => {
    const user = await createPortalUser(app, acme);
    let token = user.refreshToken;
    for (let round = 0; round < 5; round++) {
      await pairFrom(token); // lost
      // Without the lock the retries may meet or follow one another: a later one replaces the
      // earlier one's pair (the grace), one that meets another is refused; neither ends the login.
      const answers = await Promise.all([1, 2, 3].map(() => refresh(token)));
      for (const res of answers.filter((r) => r.status !== 200)) {
        expect(res.status).toBe(401);
        expectCode(res, 'REFRESH_TOKEN_INVALID');
      }
      const live = await liveTokens(user);
      expect(live).toHaveLength(1);
      const answered = await Promise.all(
        answers
          .filter((r) => r.status === 200)
          .map(async (r) => ({ pair: r.body as Pair, id: (await rowOf(r.body.refreshToken)).id })),
      );
      const survivor = answered.find((a) => a.id === live[0]?.id);
      if (!survivor) throw new Error('the live refresh token is none of those answered');
      await getMe(survivor.pair.accessToken).expect(200);
      token = survivor.pair.refreshToken;
    }
    await pairFrom(token);
  });

  describe('with PORTAL_REFRESH_REUSE_GRACE_SECONDS=0 (the grace off)', () => {
    it('a used token presented again at once is reuse: the whole login ends', async () => {
      const user = await createPortalUser(strict, acme);
      const lost = await pairFrom(user.refreshToken, strict);
      expectCode(await refresh(user.refreshToken, strict).expect(401), 'REFRESH_TOKEN_REUSED');
      await expectLoginEnded([lost]);
    });

    it('of two refreshes with one token at one moment, the loser ends the login as before', async () => {
      const user = await createPortalUser(strict, acme);
      const answers = await atOneMoment(user.refreshToken, 2, strict);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
      expectCode(answerWith(answers, 401), 'REFRESH_TOKEN_REUSED');
      await expectLoginEnded([answerWith(answers, 200).body]);
    });
  });
});
