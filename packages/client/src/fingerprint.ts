import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, platform } from 'node:os';

export interface FingerprintOptions {
  /** Use this machine id instead of the OS one (containers, tests, a vendor's own hardware id). */
  machineId?: string;
  /**
   * Mixed into the hash so two vendors' programs on one machine get unrelated fingerprints and the
   * raw machine id never leaves the machine. Use your product code or a constant of your program.
   */
  salt?: string;
}

/**
 * A stable device fingerprint: `sha256:` + 32 hex characters of SHA-256(salt, OS machine id).
 * The OS machine id: /etc/machine-id (Linux), IOPlatformUUID (macOS), MachineGuid (Windows);
 * the host name when none can be read. The same machine and salt always give the same value.
 */
export function deviceFingerprint(options: FingerprintOptions = {}): string {
  const machineId = options.machineId ?? osMachineId();
  const digest = createHash('sha256')
    .update(`leasehold-fingerprint/1\n${options.salt ?? ''}\n${machineId}`)
    .digest('hex');
  return `sha256:${digest.slice(0, 32)}`;
}

export function osMachineId(): string {
  try {
    switch (platform()) {
      case 'linux':
        for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
          const id = readQuietly(path);
          if (id) return id;
        }
        break;
      case 'darwin': {
        const out = execFileSync('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const match = /"IOPlatformUUID" = "([^"]+)"/.exec(out);
        if (match) return match[1];
        break;
      }
      case 'win32': {
        const out = execFileSync('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const match = /MachineGuid\s+REG_SZ\s+(\S+)/.exec(out);
        if (match) return match[1];
        break;
      }
    }
  } catch {
    /* fall through to the host name */
  }
  return `host:${hostname()}`;
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
