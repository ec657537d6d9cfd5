import { createHash, randomBytes } from 'node:crypto';

// Refresh, invitation and reset tokens are 256-bit random strings with a recognisable prefix;
// only their SHA-256 is stored, so a database leak yields no usable token.

export type SecretTokenKind = 'refresh' | 'invitation' | 'reset';

const PREFIX: Record<SecretTokenKind, string> = { refresh: 'lhr', invitation: 'lhi', reset: 'lhp' };

export function generateSecretToken(kind: SecretTokenKind): { token: string; hash: string } {
  const token = `${PREFIX[kind]}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
