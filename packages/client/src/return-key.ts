import { createHash, randomBytes } from 'node:crypto';

/**
 * Early-return proof of a borrowed seat (and of an offline activation): the program keeps a secret
 * return key (32 random bytes, base64url) and gives the server only its hash when it borrows;
 * returning early reveals the key. Nobody who only saw the borrow can return the seat.
 */
export interface ReturnKey {
  returnKey: string;
  returnKeyHash: string;
}

export function createReturnKey(): ReturnKey {
  const returnKey = randomBytes(32).toString('base64url');
  return { returnKey, returnKeyHash: returnKeyHash(returnKey) };
}

/** base64url(SHA-256(returnKey)), over the key's base64url text as sent (UTF-8). */
export function returnKeyHash(returnKey: string): string {
  return createHash('sha256').update(returnKey, 'utf8').digest('base64url');
}
