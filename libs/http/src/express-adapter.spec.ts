import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, INestApplication, Module, Req } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { LeaseholdExpressAdapter } from './express-adapter';

// The server of LeaseholdExpressAdapter makes requests and answers with Express's prototypes, so
// Express's per-request `Object.setPrototypeOf` changes nothing (docs/benchmarks.md, thirteenth
// session, for what the change cost). Checked on the objects as the server hands them out, before
// Express sees them, and against Nest's own adapter, whose objects Express still has to convert.

@Controller()
class EchoController {
  @Get('echo')
  echo(@Req() req: { query: Record<string, unknown>; ip?: string; path: string }) {
    return { query: req.query, path: req.path, hasIp: typeof req.ip === 'string' };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

async function start(adapter: ExpressAdapter) {
  const moduleRef = await Test.createTestingModule({ imports: [EchoModule] }).compile();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const born: { req: object | null; res: object | null }[] = [];
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
    born.push({ req: Object.getPrototypeOf(req) as object, res: Object.getPrototypeOf(res) as object }),
  );
  const express = adapter.getInstance<{ request: object; response: object }>();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { app, born, express, url };
}

describe('LeaseholdExpressAdapter', () => {
  let apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  });

  it("hands Express requests and answers that already have the app's prototypes, and Express works on them as usual", async () => {
    const { app, born, express, url } = await start(new LeaseholdExpressAdapter());
    apps.push(app);
    const answer = await fetch(`${url}/echo?a=1&b=two`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ query: { a: '1', b: 'two' }, path: '/echo', hasIp: true });
    expect(born).toHaveLength(1);
    expect(born[0].req).toBe(express.request);
    expect(born[0].res).toBe(express.response);
    // Keep-alive: the next request on the connection is made the same way.
    expect((await fetch(`${url}/echo`)).status).toBe(200);
    expect(born[1].req).toBe(express.request);
  });

  it("is what Nest's own adapter does not do (its objects are Node's until Express changes them)", async () => {
    const { app, born, express, url } = await start(new ExpressAdapter());
    apps.push(app);
    expect((await fetch(`${url}/echo`)).status).toBe(200);
    expect(born[0].req).not.toBe(express.request);
    expect(born[0].res).not.toBe(express.response);
  });
});
