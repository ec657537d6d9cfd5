import type { Request } from 'express';
import { Strategy as BearerStrategy, VerifyFunction } from 'passport-http-bearer';

/**
 * passport-http-bearer, reading credentials ONLY from the `Authorization: Bearer …` header.
 *
 * The stock strategy also takes `access_token` from the query string and the body (RFC 6750 §2.2,
 * §2.3). A secret in a URL ends up in proxy logs, browser history and `Referer` headers, so every
 * Leasehold credential (vendor keys, container secrets, the operator token, portal access tokens)
 * is accepted in the header only: a token elsewhere is ignored, and the request is answered as one
 * without credentials (401 UNAUTHENTICATED).
 */
export class HeaderBearerStrategy extends BearerStrategy<VerifyFunction> {
  override authenticate(req: Request, options?: unknown): void {
    // The stock strategy reads `req.headers`, `req.body.access_token` and `req.query.access_token`:
    // hand it a view of the request without the last two.
    const headersOnly = Object.create(req, { body: { value: undefined }, query: { value: undefined } }) as Request;
    super.authenticate(headersOnly, options as never);
  }
}

/** The bearer token of the `Authorization` header (the only place credentials are read), if any. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
