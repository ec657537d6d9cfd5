export * from './factories';
export * from './test-app';
export * from './error-envelope';
export * from './faults';
export * from './delaying-proxy';
export * from './hostile-requests';
export * from './pgbouncer';
export * from './cuttable-database';
