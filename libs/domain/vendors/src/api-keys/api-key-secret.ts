import { createHash, randomBytes } from 'node:crypto';

// `lh_<prefix>_<secret>`: a recognisable, greppable shape (secret scanners can match it); the
// prefix identifies the key in listings; only the SHA-256 of the whole token is stored. A key
// has 256 bits of entropy, so a fast hash is safe and keeps authentication to one indexed read.
const TOKEN = /^lh_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateApiKeySecret(): { token: string; prefix: string; hash: string } {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const token = `lh_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashApiKey(token) };
}

export function hashApiKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isWellFormedApiKey(token: string): boolean {
  return TOKEN.test(token);
}
