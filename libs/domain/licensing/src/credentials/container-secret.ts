import { createHash, randomBytes } from 'node:crypto';

// `lhc_<prefix>_<secret>`: the access secret a licensed program presents for its container. Like
// vendor API keys it has 256 bits of entropy, so a SHA-256 of the whole token is a safe stored
// form; authentication finds the secret's vendor by it (credential_routes) and then the container
// (containers("vendorId", "credentialHash") is unique).
const TOKEN = /^lhc_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface ContainerSecret {
  token: string;
  prefix: string;
  hash: string;
}

export function generateContainerSecret(): ContainerSecret {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const token = `lhc_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashContainerSecret(token) };
}

export function hashContainerSecret(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isWellFormedContainerSecret(token: string): boolean {
  return TOKEN.test(token);
}
