import { createHash } from 'node:crypto';
import { createReturnKey as newReturnKeySecret } from '@leasehold/license-file';

/**
 * Early-return proof of a borrowed seat (and of an offline activation): the program keeps a secret
 * return key (32 random bytes, base64url) and gives the server only its hash when it borrows;
 * returning early reveals the key. Nobody who only saw the borrow can return the seat.
 */
export interface ReturnKey {
  returnKey: string;
  returnKeyHash: string;
}

export function newReturnKey(): ReturnKey {
  const returnKey = newReturnKeySecret();
  return { returnKey, returnKeyHash: returnKeyHash(returnKey) };
}

/** base64url(SHA-256(the key's 32 bytes)): the server hashes the decoded key the same way. */
export function returnKeyHash(returnKey: string): string {
  const bytes = Buffer.from(returnKey, 'base64url');
  if (bytes.length !== 32 || bytes.toString('base64url') !== returnKey)
    throw new TypeError('A return key is 32 bytes in base64url (43 characters)');
  return createHash('sha256').update(bytes).digest('base64url');
}
