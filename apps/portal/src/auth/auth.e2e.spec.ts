import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { IdentityService } from '@leasehold/domain-identity';
import { PrismaService } from '@leasehold/db';
import {
  createGroup,
  createPortalUser,
  createTestApp as createApp,
  createVendor,
  latestTokenFromOutbox,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

describe('portal authentication', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    app = await createTestApp();
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const createTestApp = () => createApp(PortalLicensingTestModule, PORTAL_API);
  const http = () => request(app.getHttpServer());
  const login = (vendor: string, email: string, password: string) =>
    http().post('/v1/auth/login').send({ vendor, email, password });
  /** GET /v1/me with a bare access token. */
  const getMe = (accessToken: string) => http().get('/v1/me').set('Authorization', `Bearer ${accessToken}`);
  const refresh = (refreshToken: string) => http().post('/v1/auth/refresh').send({ refreshToken });
  const requestReset = (vendor: string, email: string) =>
    http().post('/v1/auth/password-reset/request').send({ vendor, email });
  const confirmReset = (vendor: string, token: string, password: string) =>
    http().post('/v1/auth/password-reset/confirm').send({ vendor, token, password });
  const acceptInvitation = (vendor: string, token: string, password: string, name?: string) =>
    http().post('/v1/auth/invitations/accept').send({ vendor, token, password, name });
  /** A session of `user` opened at `at` from `ip` (clock injection into the login itself). */
  const sessionOpenedAt = (user: TestPortalUser, ip: string, at: Date) =>
    app.get(IdentityService).login({ vendor: acme.vendor.slug, email: user.email, password: user.password, ip }, at);

  it('logs in with vendor, email and password, and the access token opens /v1/me', async () => {
    const user = await createPortalUser(app, acme, { email: 'Ada@Customer.example' });
    const res = await login(acme.vendor.slug, 'ada@customer.EXAMPLE', user.password).expect(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: user.id, email: 'ada@customer.example' },
    });
    expect(res.body.refreshToken).toMatch(/^lhr_/);
    const me = await getMe(res.body.accessToken).expect(200);
    expect(me.body).toMatchObject({ id: user.id, status: 'ACTIVE' });
    expect(me.body.passwordHash).toBeUndefined();
  });

  it('refuses a wrong password, an unknown email and the same email at another vendor alike', async () => {
    const user = await createPortalUser(app, acme);
    for (const [vendor, email, password] of [
      [acme.vendor.slug, user.email, 'wrong-password'],
      [acme.vendor.slug, 'nobody@customer.example', user.password],
      [other.vendor.slug, user.email, user.password],
      ['no-such-vendor', user.email, user.password],
    ]) {
      const res = await login(vendor, email, password).expect(401);
      expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
    }
  });

  it('keeps the same email at two vendors as two accounts', async () => {
    const a = await createPortalUser(app, acme, { email: 'shared@customer.example', password: 'password-at-acme' });
    const b = await createPortalUser(app, other, { email: 'shared@customer.example', password: 'password-at-other' });
    expect(a.id).not.toBe(b.id);
    await login(acme.vendor.slug, 'shared@customer.example', 'password-at-other').expect(401);
    const res = await login(other.vendor.slug, 'shared@customer.example', 'password-at-other').expect(200);
    expect(res.body.user.id).toBe(b.id);
  });

  it('validates the login body', async () => {
    const res = await http().post('/v1/auth/login').send({ vendor: 'Not A Slug', email: 'nope', extra: 1 }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['email', 'extra', 'password', 'vendor']);
  });

  it('refuses requests without, with a malformed, a forged or an expired access token', async () => {
    const user = await createPortalUser(app, acme);
    expect((await http().get('/v1/me').expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    expect((await http().get('/v1/me').set('Authorization', 'Bearer not-a-jwt').expect(401)).body.error.code).toBe(
      'TOKEN_INVALID',
    );
    const [header, payload] = user.accessToken.split('.');
    const forged = `${header}.${payload}.${Buffer.from('forged-signature').toString('base64url')}`;
    expect((await getMe(forged).expect(401)).body.error.code).toBe('TOKEN_INVALID');
    // A vendor API key is not a portal token.
    expect((await http().get('/v1/me').set(acme.auth).expect(401)).body.error.code).toBe('TOKEN_INVALID');

    // Clock injection: a session that started 16 minutes ago has an expired access token.
    const old = await sessionOpenedAt(user, '10.0.0.1', new Date(Date.now() - 16 * 60_000));
    const expired = await getMe(old.accessToken).expect(401);
    expect(expired.body.error.code).toBe('TOKEN_EXPIRED');
    const fresh = await sessionOpenedAt(user, '10.0.0.1', new Date(Date.now() - 14 * 60_000));
    await getMe(fresh.accessToken).expect(200);
  });

  it('rotates refresh tokens; a reused refresh token revokes the whole family', async () => {
    const user = await createPortalUser(app, acme);
    const first = (await login(acme.vendor.slug, user.email, user.password).expect(200)).body;
    const second = (await refresh(first.refreshToken).expect(200)).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await getMe(second.accessToken).expect(200);
    const third = (await refresh(second.refreshToken).expect(200)).body;

    // The first token again: stolen. The family ends, including the newest token.
    const reuse = await refresh(first.refreshToken).expect(401);
    expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    const after = await refresh(third.refreshToken).expect(401);
    expect(after.body.error.code).toBe('REFRESH_TOKEN_INVALID');

    // Another session (the one createPortalUser opened) is not affected.
    await refresh(user.refreshToken).expect(200);
    expect((await refresh('lhr_unknown').expect(401)).body.error.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('the attack: after refresh-token reuse, no access token of that session family works any more; other sessions do', async () => {
    const user = await createPortalUser(app, acme);
    const first = (await login(acme.vendor.slug, user.email, user.password).expect(200)).body;
    const second = (await refresh(first.refreshToken).expect(200)).body;
    const third = (await refresh(second.refreshToken).expect(200)).body;
    // The thief replays the first refresh token after the owner went on with its successor: reuse
    // detected. (Replayed before that successor is used, within PORTAL_REFRESH_REUSE_GRACE_SECONDS,
    // it would pass for a retry whose answer was lost: refresh-grace.e2e.spec.ts.)
    expect((await refresh(first.refreshToken).expect(401)).body.error.code).toBe('REFRESH_TOKEN_REUSED');
    // Every access token of the family stops at once, not up to 15 minutes later.
    for (const token of [first.accessToken, second.accessToken, third.accessToken]) {
      expect((await getMe(token).expect(401)).body.error.code).toBe('TOKEN_REVOKED');
    }
    // The session createPortalUser opened is another family: it keeps working.
    await http().get('/v1/me').set(user.auth).expect(200);
  });

  it('the attack: after logout, the access tokens of that session stop at once; other sessions keep working', async () => {
    const user = await createPortalUser(app, acme);
    const session = (await login(acme.vendor.slug, user.email, user.password).expect(200)).body;
    const rotated = (await refresh(session.refreshToken).expect(200)).body;
    await getMe(session.accessToken).expect(200);
    await http().post('/v1/auth/logout').send({ refreshToken: rotated.refreshToken }).expect(204);
    for (const token of [session.accessToken, rotated.accessToken]) {
      expect((await getMe(token).expect(401)).body.error.code).toBe('TOKEN_REVOKED');
    }
    await http().get('/v1/me').set(user.auth).expect(200);
  });

  it('refuses an expired refresh token', async () => {
    const user = await createPortalUser(app, acme);
    const old = await sessionOpenedAt(user, '10.0.0.2', new Date(Date.now() - 31 * 86_400_000));
    expect((await refresh(old.refreshToken).expect(401)).body.error.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('logs out: the refresh token stops working', async () => {
    const user = await createPortalUser(app, acme);
    await http().post('/v1/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await refresh(user.refreshToken).expect(401);
    await http().post('/v1/auth/logout').send({ refreshToken: 'lhr_unknown' }).expect(204);
    expect((await http().post('/v1/auth/logout').send({}).expect(400)).body.error.details.fields[0].field).toBe(
      'refreshToken',
    );
  });

  describe('password reset', () => {
    it('resets the password with a single-use token (not usable as an invitation) and ends every session', async () => {
      const user = await createPortalUser(app, acme);
      await requestReset(acme.vendor.slug, user.email).expect(202);
      const token = await latestTokenFromOutbox(app, acme.vendor.id, user.id, 'user.password_reset_requested');
      expect(token).toMatch(/^lhp_/);
      const asInvitation = await acceptInvitation(acme.vendor.slug, token, 'password-1234').expect(400);
      expect(asInvitation.body.error.code).toBe('ONE_TIME_TOKEN_INVALID');
      await confirmReset(acme.vendor.slug, token, 'a-brand-new-password').expect(204);

      expect((await http().get('/v1/me').set(user.auth).expect(401)).body.error.code).toBe('TOKEN_REVOKED');
      await refresh(user.refreshToken).expect(401);
      await login(acme.vendor.slug, user.email, user.password).expect(401);
      await login(acme.vendor.slug, user.email, 'a-brand-new-password').expect(200);

      const reused = await confirmReset(acme.vendor.slug, token, 'yet-another-password').expect(409);
      expect(reused.body.error.code).toBe('ONE_TIME_TOKEN_USED');
    });

    it("answers 202 for unknown accounts, and refuses another vendor's, an expired or an unknown token", async () => {
      await requestReset(acme.vendor.slug, 'nobody@customer.example').expect(202);
      const user = await createPortalUser(app, acme);
      await requestReset(acme.vendor.slug, user.email).expect(202);
      const token = await latestTokenFromOutbox(app, acme.vendor.id, user.id, 'user.password_reset_requested');

      const wrongVendor = await confirmReset(other.vendor.slug, token, 'password-1234').expect(400);
      expect(wrongVendor.body.error.code).toBe('ONE_TIME_TOKEN_INVALID');
      const unknown = await confirmReset(acme.vendor.slug, 'lhp_nope', 'password-1234').expect(400);
      expect(unknown.body.error.code).toBe('ONE_TIME_TOKEN_INVALID');
      const short = await confirmReset(acme.vendor.slug, token, 'short').expect(400);
      expect(short.body.error.details.fields[0].field).toBe('password');

      await app
        .get(PrismaService)
        .userToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await confirmReset(acme.vendor.slug, token, 'password-1234').expect(400);
      expect(expired.body.error.code).toBe('ONE_TIME_TOKEN_EXPIRED');
      await login(acme.vendor.slug, user.email, user.password).expect(200);
    });
  });

  describe('invitations', () => {
    /** `admin` invites `email` to their group: the invited user as the group's member list shows them. */
    const invite = async (admin: TestPortalUser, email: string, name: string) => {
      await http().post('/v1/group/members').set(admin.auth).send({ email, name }).expect(202);
      const listed = await http().get('/v1/group/members').query({ search: email }).set(admin.auth).expect(200);
      return listed.body.data[0] as { id: string; status: string };
    };

    it('accepts an invitation once (not at another vendor), logging the user in', async () => {
      const group = await createGroup(app, acme);
      const admin = await createPortalUser(app, acme, { groupId: group.id, role: 'ADMIN' });
      const invited = await invite(admin, 'new@customer.example', 'New');
      const userId = invited.id;
      expect(invited.status).toBe('INVITED');
      const token = await latestTokenFromOutbox(app, acme.vendor.id, userId, 'user.invited');

      await login(acme.vendor.slug, 'new@customer.example', 'anything-at-all').expect(401);
      const otherVendor = await acceptInvitation(other.vendor.slug, token, 'password-1234').expect(400);
      expect(otherVendor.body.error.code).toBe('ONE_TIME_TOKEN_INVALID');

      const accepted = await acceptInvitation(acme.vendor.slug, token, 'password-1234', 'Newly Named').expect(200);
      expect(accepted.body.user).toMatchObject({ id: userId, name: 'Newly Named', groupId: group.id, role: 'MEMBER' });
      await getMe(accepted.body.accessToken).expect(200);
      const again = await acceptInvitation(acme.vendor.slug, token, 'password-5678').expect(409);
      expect(again.body.error.code).toBe('ONE_TIME_TOKEN_USED');
      await login(acme.vendor.slug, 'new@customer.example', 'password-1234').expect(200);
    });

    it('refuses an expired invitation, and a resent invitation replaces the old one', async () => {
      const group = await createGroup(app, acme);
      const admin = await createPortalUser(app, acme, { groupId: group.id, role: 'ADMIN' });
      const userId = (await invite(admin, 'late@customer.example', 'Late')).id;
      const first = await latestTokenFromOutbox(app, acme.vendor.id, userId, 'user.invited');
      await app
        .get(PrismaService)
        .userToken.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await acceptInvitation(acme.vendor.slug, first, 'password-1234').expect(400);
      expect(expired.body.error.code).toBe('ONE_TIME_TOKEN_EXPIRED');

      await http().post(`/v1/group/members/${userId}/invitation`).set(admin.auth).expect(201);
      const second = await latestTokenFromOutbox(app, acme.vendor.id, userId, 'user.invited');
      expect(second).not.toBe(first);
      await acceptInvitation(acme.vendor.slug, second, 'password-1234').expect(200);
      const resend = await http().post(`/v1/group/members/${userId}/invitation`).set(admin.auth).expect(409);
      expect(resend.body.error.code).toBe('USER_NOT_INVITED');
    });
  });

  it('rate-limits failed logins per account with 429 RATE_LIMITED and retryAfter, even for the right password', async () => {
    const user = await createPortalUser(app, acme);
    for (let i = 0; i < 5; i++) await login(acme.vendor.slug, user.email, `wrong-${i}`).expect(401);
    const limited = await login(acme.vendor.slug, user.email, user.password).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.error.details.retryAfter).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    const neighbour = await createPortalUser(app, acme);
    await login(acme.vendor.slug, neighbour.email, neighbour.password).expect(200);
  });

  it('clears the failure count on a successful login', async () => {
    const user = await createPortalUser(app, acme);
    for (let i = 0; i < 4; i++) await login(acme.vendor.slug, user.email, `wrong-${i}`).expect(401);
    await login(acme.vendor.slug, user.email, user.password).expect(200);
    for (let i = 0; i < 4; i++) await login(acme.vendor.slug, user.email, `wrong-${i}`).expect(401);
    await login(acme.vendor.slug, user.email, user.password).expect(200);
  });

  it('refuses a disabled user at login and at once on their open session', async () => {
    const user = await createPortalUser(app, acme);
    await request(app.getHttpServer()).get('/v1/me').set(user.auth).expect(200);
    await app.get(PrismaService).user.updateMany({ where: { id: user.id }, data: { status: 'DISABLED' } });
    expect((await http().get('/v1/me').set(user.auth).expect(401)).body.error.code).toBe('TOKEN_REVOKED');
    expect((await login(acme.vendor.slug, user.email, user.password).expect(403)).body.error.code).toBe(
      'USER_DISABLED',
    );
  });
});
