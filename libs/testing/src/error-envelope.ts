import type { Response } from 'supertest';

/**
 * Asserts that an HTTP answer is one of our errors: the given status and code, in the shared
 * envelope `{ error: { code, message, details? }, requestId }`, the request id echoed in the
 * `X-Request-Id` header, and no stack trace or other internals anywhere in the body.
 */
export function expectError(res: Response, status: number, code: string): void {
  const summary = `answered ${res.status} ${res.text}`;
  expect({ status: res.status, code: res.body?.error?.code, summary }).toEqual({ status, code, summary });
  expect(Object.keys(res.body).sort()).toEqual(['error', 'requestId']);
  expect(res.body.error.message).toEqual(expect.any(String));
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.body.requestId).toEqual(expect.any(String));
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  expectNoInternals(res);
}

/** No stack frames, file paths or exception class dumps in an answer. */
export function expectNoInternals(res: Response): void {
  const text = res.text ?? '';
  expect(text).not.toMatch(/\bstack\b/i);
  expect(text).not.toMatch(/(\n|\\n)\s+at /);
  expect(text).not.toMatch(/\.(ts|js):\d+/);
  expect(text).not.toMatch(/node_modules/);
}
