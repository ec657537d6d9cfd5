import { createServer, IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

/** What of an Express application the server needs: the prototypes Express gives requests and answers. */
interface ExpressPrototypes {
  request: object;
  response: object;
}

/**
 * Nest's Express adapter, with an HTTP server that makes its requests and answers as Express's
 * own objects from the start (Node's `IncomingMessage` and `ServerResponse` options).
 *
 * Express 5 turns every request into its own by changing the prototypes of Node's objects
 * (`Object.setPrototypeOf(req, app.request)`, the same for `res`, in `app.handle`). In V8 an
 * object whose prototype changed after it was made keeps much of what the request allocated alive
 * through a young-generation collection: on this VM a bare Express route promoted about 4 MB per
 * scavenge, every scavenge took 4–15 ms instead of under 1 ms, and a full collection ran every
 * fifth one (docs/benchmarks.md, thirteenth session). With the objects made with Express's
 * prototypes, `setPrototypeOf` finds the prototype already set and changes nothing.
 *
 * HTTPS and `forceCloseConnections` (neither used here) keep Nest's own server, as does a Node
 * whose `IncomingMessage` or `ServerResponse` is a class (in Node 20 both are plain functions).
 */
export class LeaseholdExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    const plain = callable(IncomingMessage) && callable(ServerResponse);
    if (options.httpsOptions || options.forceCloseConnections || !plain) return super.initHttpServer(options);
    const app = this.getInstance<Parameters<typeof createServer>[1] & ExpressPrototypes>();
    this.setHttpServer(createServer(expressServerOptions(app), app));
  }
}

/** `http.createServer` options whose requests and answers are born with `app`'s Express prototypes. */
function expressServerOptions(app: ExpressPrototypes): ServerOptions {
  return {
    IncomingMessage: bornWith(IncomingMessage, app.request),
    ServerResponse: bornWith(ServerResponse, app.response),
  };
}

/**
 * A constructor whose objects have `prototype` (which must inherit from `Base.prototype`, as
 * Express's request and response do from Node's) and are initialised by `Base`. It calls `Base` as
 * a function, as Node's own subclasses of these did: made with `Reflect.construct(Base, args,
 * Born)` instead, the objects showed the same young-generation survival as before.
 */
function bornWith<T>(Base: T, prototype: object): T {
  const init = Base as unknown as (this: object, ...args: unknown[]) => void;
  function Born(this: object, ...args: unknown[]): void {
    init.apply(this, args);
  }
  Born.prototype = prototype;
  return Born as unknown as T;
}

/** Node's `IncomingMessage` and `ServerResponse` are plain functions (not classes), so `bornWith` can call them. */
function callable(fn: unknown): boolean {
  return typeof fn === 'function' && !/^class\b/.test(Function.prototype.toString.call(fn));
}
