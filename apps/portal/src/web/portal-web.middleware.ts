import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { ConfigService } from '@leasehold/config';

/** Paths the web app never answers: the API, OpenAPI and health checks keep their own 404s. */
const API_PATHS = /^\/(v1|docs|docs-json|health)(\/|$|\?|-)/;

/**
 * Content-Security-Policy of the web app: scripts and styles from this origin only (uPlot sets
 * inline style attributes, hence 'unsafe-inline' for styles), API calls to this origin, no framing.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the customer portal web app (apps/portal-web, built into PORTAL_WEB_DIR) from the portal
 * itself, so pages and API share one origin. Files under /assets are immutable (hashed names); any
 * other GET that asks for HTML and is not an API path gets index.html, so the links in invitation
 * and reset events (`/invitations/accept?token=…`, `/password-reset?token=…`) open the right page.
 * Without a build, everything falls through to the API (and `/` stays a JSON 404).
 */
@Injectable()
export class PortalWebMiddleware implements NestMiddleware {
  private readonly dir: string;
  private readonly files: ReturnType<typeof express.static> | null;
  private index: Buffer | null = null;

  constructor(config: ConfigService) {
    this.dir = resolve(process.cwd(), config.get('PORTAL_WEB_DIR'));
    const built = existsSync(resolve(this.dir, 'index.html'));
    this.files = built
      ? express.static(this.dir, {
          index: false,
          fallthrough: true,
          setHeaders: (res, path) => {
            res.setHeader('X-Content-Type-Options', 'nosniff');
            res.setHeader(
              'Cache-Control',
              path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
            );
          },
        })
      : null;
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const files = this.files;
    if (!files || (req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path)) return next();
    files(req, res, () => {
      if (req.path.startsWith('/assets/') || !req.accepts('html')) return next();
      this.index ??= readFileSync(resolve(this.dir, 'index.html'));
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer'); // the pages' addresses carry one-time tokens
      res.status(200).send(req.method === 'HEAD' ? undefined : this.index);
    });
  }
}
