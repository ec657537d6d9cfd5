import { createReturnKey as newReturnKeySecret, returnKeyHashOf } from '@leasehold/license-file';

/**
 * Early-return proof of a borrowed seat (and of an offline activation): the program keeps a secret
 * return key (32 random bytes, base64url) and gives the server only its hash when it borrows;
 * returning early reveals the key. Nobody who only saw the borrow can return the seat.
 * The hash is the one the server checks: base64url SHA-256 of the key's 32 bytes.
 */
export interface ReturnKey {
  returnKey: string;
  returnKeyHash: string;
}

export function newReturnKey(): ReturnKey {
  const returnKey = newReturnKeySecret();
  return { returnKey, returnKeyHash: returnKeyHashOf(returnKey) };
}
