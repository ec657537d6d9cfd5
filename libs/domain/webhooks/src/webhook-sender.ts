import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Injectable } from '@nestjs/common';
import { blockedAddressReason, checkWebhookUrl, WebhookUrlRules } from './webhook-url-policy';

// One HTTP attempt. Plain node:http(s) rather than fetch, for the `lookup` hook: the host name is
// resolved once, every address is checked against the URL rules, and the checked address is the
// one connected to (no DNS rebinding between check and connect). Redirects are not followed.

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  excerptBytes: number;
  rules: WebhookUrlRules;
}

export interface WebhookResponse {
  /** The HTTP status, or null when no response came (refused, timeout, blocked address). */
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

class BlockedAddressError extends Error {}

/** A `lookup` for node:http(s) that refuses a host name resolving to any blocked address. */
export function guardedLookup(rules: WebhookUrlRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const list = Array.isArray(addresses) ? addresses : [];
      for (const entry of list) {
        const reason = blockedAddressReason(entry.address, rules);
        if (reason)
          return callback(new BlockedAddressError(`${hostname} resolves to a blocked address: ${reason}`), '', 4);
      }
      if (!list.length) return callback(new Error(`${hostname} has no address`), '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

@Injectable()
export class WebhookSender {
  send(input: WebhookRequest): Promise<WebhookResponse> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    const verdict = checkWebhookUrl(input.url, input.rules);
    if (!verdict.allowed)
      return Promise.resolve({
        statusCode: null,
        durationMs: 0,
        responseExcerpt: null,
        error: `URL not allowed: ${verdict.reason}`,
      });
    const url = verdict.url;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const finish = (result: Omit<WebhookResponse, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: elapsed() });
      };
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...input.headers, 'Content-Length': Buffer.byteLength(input.body).toString() },
          lookup: guardedLookup(input.rules),
          agent: false,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < input.excerptBytes) {
              chunks.push(chunk.subarray(0, input.excerptBytes - kept));
              kept += Math.min(chunk.length, input.excerptBytes - kept);
            }
          });
          const done = () =>
            finish({
              statusCode: res.statusCode ?? null,
              responseExcerpt: Buffer.concat(chunks).toString('utf8') || null,
              error: null,
            });
          res.on('end', done);
          res.on('error', done);
          res.on('close', done);
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${input.timeoutMs} ms`));
      }, input.timeoutMs);
      req.on('error', (error: Error) => finish({ statusCode: null, responseExcerpt: null, error: error.message }));
      req.end(input.body);
    });
  }
}
