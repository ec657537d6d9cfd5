// Signing formats a licensed program verifies offline. Depends on node:crypto only: vendors ship
// this library inside their programs. docs/license-file-format.md describes every format.
export * from './keys';
export * from './signed-envelope';
export * from './license-file';
export * from './offline-codes';
