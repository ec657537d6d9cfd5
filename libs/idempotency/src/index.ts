// The stored answers behind `Idempotency-Key` (the HTTP interceptor in @leasehold/http uses them;
// the worker purges the expired ones).
export * from './idempotency.store';
export * from './idempotency-store.module';
