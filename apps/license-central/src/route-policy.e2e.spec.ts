import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import request from 'supertest';
import { Authenticate } from '@leasehold/auth';
import { Public } from '@leasehold/http';
import { createTestApp, expectError } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

// The global guard is closed by default: a route must say `@Public()` or `@Authenticate(...)`, and
// one that says neither is refused, so a forgotten decorator never opens a route. The guard reads
// each route's decorators once and remembers them (per controller and handler): these routes are
// added to the real app and asked in an order that would open a closed route if the remembered
// policy were keyed by the handler alone (one method inherited by an open and a closed controller).

class Reports {
  @Get('report')
  report() {
    return { report: 'quarterly' };
  }
}

@Public()
@Controller('policy-test/open')
class OpenReports extends Reports {}

@Controller('policy-test/closed')
class ClosedReports extends Reports {}

@Controller('policy-test/mixed')
class MixedRoutes {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('forgotten')
  forgotten() {
    return { secret: 'should never be served' };
  }

  @Authenticate('vendor-key')
  @Get('keyed')
  keyed() {
    return { keyed: true };
  }
}

@Module({ imports: [AppModule], controllers: [OpenReports, ClosedReports, MixedRoutes] })
class PolicyTestModule {}

describe('route policy of the global guard (license-central)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp(PolicyTestModule, LICENSE_CENTRAL_API);
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  it('serves a public route and refuses a route that declares nothing, each time', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await http().get('/policy-test/mixed/open').expect(200)).body).toEqual({ open: true });
      const closed = await http().get('/policy-test/mixed/forgotten');
      expectError(closed, 403, 'FORBIDDEN');
      expect(JSON.stringify(closed.body)).not.toContain('should never be served');
    }
  });

  it('keeps a method inherited by an open and a closed controller open in one and closed in the other', async () => {
    // The open controller first: its answer is remembered for the shared handler.
    expect((await http().get('/policy-test/open/report').expect(200)).body).toEqual({ report: 'quarterly' });
    expectError(await http().get('/policy-test/closed/report'), 403, 'FORBIDDEN');
    expect((await http().get('/policy-test/open/report').expect(200)).body).toEqual({ report: 'quarterly' });
    expectError(await http().get('/policy-test/closed/report'), 403, 'FORBIDDEN');
  });

  it('asks an authenticated route for its credential, and refuses a forged one', async () => {
    expectError(await http().get('/policy-test/mixed/keyed'), 401, 'UNAUTHENTICATED');
    const forged = await http()
      .get('/policy-test/mixed/keyed')
      .set('Authorization', `Bearer lh_live_${'x'.repeat(40)}`);
    expect(forged.status).toBe(401);
  });
});
