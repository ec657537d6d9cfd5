#!/usr/bin/env node
// `leasehold`: the SDK on the command line, for vendors' QA and support. `leasehold help`.
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseRequestCode, verifyLicenseFile } from '@leasehold/license-file';
import { LeaseholdClient } from './client';
import { LeaseholdError } from './errors';
import { deviceFingerprint } from './fingerprint';
import { fetchPublicKeys, fetchPublicKeysWithApiKey, loadPublicKeys, savePublicKeys } from './keys';
import { Lease } from './lease';
import { FileStorage } from './storage';

const HELP = `leasehold <command> [options]

Commands
  keys fetch (--vendor <id> | --api-key <lh_…>) [--out keys.json]
                                               download the vendor's public keys once (pin them)
  fingerprint                                  this machine's device fingerprint
  activate [--name <n>] [--platform <p>]       activate this device (PERSONAL containers)
  deactivate                                   deactivate this device
  validate [--feature <f>]                     signed validation (exit 0 valid, 3 not valid)
  checkout [--license <id>] [--client-name <n>] [--hold]
                                               take a seat; --hold keeps it with heartbeats until Ctrl-C, then releases
  release <leaseId>                            release a seat (returns a borrowed one early)
  borrow (--until <iso> | --days <n>)          borrow a seat for offline use
  license-file [--out license.json]            download and verify this device's license file
  verify-file <file>                           verify a license file offline (exit 0 valid, 3 not valid)
  request-code --container <id> [--kind activate|borrow|deactivate]
                                               an offline request code for a never-online machine
  apply-response <code>                        check and install the admin's response code
  release-code --container <id>                give the offline activation back: the release code
                                               (reveals the stored return key; submit it like a request code)

Options (or environment)
  --url <url>            LEASEHOLD_URL          license-central, e.g. https://licensing.example.com
  --secret <lhc_…>       LEASEHOLD_SECRET       the container's access secret
  --keys <file>          LEASEHOLD_KEYS         pinned public keys (default ./keys.json)
  --product <code>       LEASEHOLD_PRODUCT      the product code
  --fingerprint <fp>     LEASEHOLD_FINGERPRINT  override the device fingerprint
  --state <dir>          LEASEHOLD_STATE_DIR    where the SDK keeps its state (default ~/.leasehold)
  --json                                        machine-readable output (one JSON object; --hold: one per line)
`;

type Flags = Record<string, string | boolean>;

function parse(argv: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (['json', 'hold', 'help'].includes(name)) flags[name] = true;
    else if (inline !== undefined) flags[name] = inline;
    else if (i + 1 < argv.length) flags[name] = argv[++i];
    else throw usage(`--${name} needs a value`);
  }
  return { positional, flags };
}

class UsageError extends Error {}
const usage = (message: string) => new UsageError(message);

function option(flags: Flags, name: string, env: string, fallback?: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : (process.env[env] ?? fallback);
}

function required(flags: Flags, name: string, env: string): string {
  const value = option(flags, name, env);
  if (!value) throw usage(`--${name} (or ${env}) is required`);
  return value;
}

function keysPath(flags: Flags): string {
  return option(flags, 'keys', 'LEASEHOLD_KEYS', 'keys.json')!;
}

function client(flags: Flags): LeaseholdClient {
  let publicKeys;
  try {
    publicKeys = loadPublicKeys(keysPath(flags));
  } catch (error) {
    throw usage(
      `cannot read the pinned keys ${keysPath(flags)} (${(error as Error).message}); run "leasehold keys fetch" once`,
    );
  }
  return new LeaseholdClient({
    baseUrl: required(flags, 'url', 'LEASEHOLD_URL'),
    secret: required(flags, 'secret', 'LEASEHOLD_SECRET'),
    publicKeys,
    product: option(flags, 'product', 'LEASEHOLD_PRODUCT'),
    fingerprint: option(flags, 'fingerprint', 'LEASEHOLD_FINGERPRINT'),
    storage: new FileStorage(option(flags, 'state', 'LEASEHOLD_STATE_DIR', join(homedir(), '.leasehold'))!),
  });
}

function out(flags: Flags, json: unknown, human: string): void {
  process.stdout.write(flags['json'] ? `${JSON.stringify(json)}\n` : `${human}\n`);
}

function leaseLine(lease: Lease): string {
  return `lease ${lease.id} (license ${lease.licenseId}) held until ${lease.expiresAt.toISOString()}${lease.borrowUntil ? ' (borrowed)' : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parse(argv);
  const [command, ...rest] = positional;
  if (!command || command === 'help' || flags['help']) {
    process.stdout.write(HELP);
    return command || flags['help'] ? 0 : 2;
  }
  switch (command) {
    case 'keys': {
      if (rest[0] !== 'fetch') throw usage('keys fetch (--vendor <id> | --api-key <lh_…>) [--out keys.json]');
      const url = required(flags, 'url', 'LEASEHOLD_URL');
      const apiKey = option(flags, 'api-key', 'LEASEHOLD_API_KEY');
      const keys =
        apiKey && !option(flags, 'vendor', 'LEASEHOLD_VENDOR_ID')
          ? await fetchPublicKeysWithApiKey(url, apiKey)
          : await fetchPublicKeys(url, required(flags, 'vendor', 'LEASEHOLD_VENDOR_ID'));
      const path = typeof flags['out'] === 'string' ? flags['out'] : keysPath(flags);
      savePublicKeys(path, keys);
      out(
        flags,
        { path, keyIds: Object.keys(keys) },
        `saved ${Object.keys(keys).length} public key(s) to ${path}: ${Object.keys(keys).join(', ')}`,
      );
      return 0;
    }
    case 'fingerprint': {
      const fingerprint =
        option(flags, 'fingerprint', 'LEASEHOLD_FINGERPRINT') ??
        deviceFingerprint({ salt: option(flags, 'product', 'LEASEHOLD_PRODUCT') });
      out(flags, { fingerprint }, fingerprint);
      return 0;
    }
    case 'activate': {
      const c = client(flags);
      const { device, created } = await c.activate({
        name: flags['name'] as string | undefined,
        platform: flags['platform'] as string | undefined,
      });
      out(
        flags,
        { ...device, created },
        `${created ? 'activated' : 'already active'}: device ${device.id} "${device.name}" (${device.fingerprint})`,
      );
      return 0;
    }
    case 'deactivate': {
      const device = await client(flags).deactivate();
      out(flags, device, `deactivated device ${device.id} (${device.fingerprint})`);
      return 0;
    }
    case 'validate': {
      const result = await client(flags).validate({ feature: flags['feature'] as string | undefined });
      const { envelope: _envelope, ...shown } = result;
      const license = result.license
        ? `${result.license.product} (license ${result.license.id}, ${result.license.features.join(', ') || 'no features'}, expires ${result.license.expiresAt ?? 'never'})`
        : 'no license';
      out(
        flags,
        shown,
        `${result.code}: ${license}; revision ${result.revision}${result.fromCache ? ' (cached answer, server unreachable)' : ''}`,
      );
      return result.valid ? 0 : 3;
    }
    case 'checkout': {
      const c = client(flags);
      const lease = await c.checkout({
        licenseId: flags['license'] as string | undefined,
        clientName: flags['client-name'] as string | undefined,
      });
      if (!flags['hold']) {
        out(flags, lease.answer, leaseLine(lease));
        lease.stop();
        return 0;
      }
      return hold(flags, lease);
    }
    case 'release': {
      if (!rest[0]) throw usage('release <leaseId>');
      const ended = await client(flags).release(rest[0]);
      out(flags, ended, `lease ${ended.leaseId} ended: ${ended.endReason}`);
      return 0;
    }
    case 'borrow': {
      const days = flags['days'] !== undefined ? Number(flags['days']) : undefined;
      const until =
        typeof flags['until'] === 'string'
          ? new Date(flags['until'])
          : days !== undefined
            ? new Date(Date.now() + days * 86_400_000)
            : undefined;
      if (!until || Number.isNaN(until.getTime())) throw usage('borrow needs --until <ISO date> or --days <n>');
      const lease = await client(flags).borrow({
        until,
        licenseId: flags['license'] as string | undefined,
        clientName: flags['client-name'] as string | undefined,
      });
      lease.stop();
      out(flags, lease.answer, `${leaseLine(lease)}; return it early with: leasehold release ${lease.id}`);
      return 0;
    }
    case 'license-file': {
      const result = await client(flags).downloadLicenseFile();
      const path = typeof flags['out'] === 'string' ? flags['out'] : undefined;
      if (path) writeFileSync(path, result.text);
      const l = result.license!;
      out(
        flags,
        { status: result.verification.status, path, license: l },
        `${result.verification.status}: ${l.productCode} for ${l.fingerprint}, refresh by ${l.refreshBy}${path ? `, saved to ${path}` : ''}`,
      );
      return 0;
    }
    case 'verify-file': {
      if (!rest[0]) throw usage('verify-file <file>');
      const fingerprint =
        option(flags, 'fingerprint', 'LEASEHOLD_FINGERPRINT') ??
        deviceFingerprint({ salt: option(flags, 'product', 'LEASEHOLD_PRODUCT') });
      const verification = verifyLicenseFile(readFileSync(rest[0], 'utf8'), {
        publicKeys: loadPublicKeys(keysPath(flags)),
        fingerprint,
      });
      const detail =
        'license' in verification
          ? `: ${verification.license.productCode}, expires ${verification.license.expiresAt ?? 'never'}, refresh by ${verification.license.refreshBy}`
          : '';
      out(flags, verification, `${verification.status}${detail}`);
      return verification.status === 'VALID' ? 0 : 3;
    }
    case 'request-code': {
      const kind = (flags['kind'] as string | undefined) ?? 'activate';
      if (!['activate', 'borrow', 'deactivate'].includes(kind)) throw usage('--kind is activate, borrow or deactivate');
      const request = client(flags).createRequestCode({
        containerId: required(flags, 'container', 'LEASEHOLD_CONTAINER_ID'),
        kind: kind as 'activate',
      });
      out(
        flags,
        request,
        `${request.code}\n(give this code to your administrator; then: leasehold apply-response <response code>)`,
      );
      return 0;
    }
    case 'release-code': {
      const release = client(flags).createReleaseCode({
        containerId: required(flags, 'container', 'LEASEHOLD_CONTAINER_ID'),
      });
      out(
        flags,
        release,
        `${release.code}\n(the offline activation is removed from this machine; give this code to your administrator to free its slot)`,
      );
      return 0;
    }
    case 'apply-response': {
      const code = rest.join('');
      if (!code) throw usage('apply-response <response code>');
      if (parseRequestCode(code).ok)
        throw usage('this is a request code; apply the response code the administrator got for it');
      const response = client(flags).applyResponseCode(code);
      out(
        flags,
        response,
        `installed: license ${response.licenseId}, valid until ${response.validUntil?.toISOString() ?? 'no end'}`,
      );
      return 0;
    }
    default:
      throw usage(`unknown command "${command}" (leasehold help)`);
  }
}

/** Keeps the seat until Ctrl-C/SIGTERM (then releases), with a status line. */
function hold(flags: Flags, lease: Lease): Promise<number> {
  const json = Boolean(flags['json']);
  const tty = process.stdout.isTTY && !json;
  let beats = 0;
  const status = (text: string) => {
    if (json) return;
    if (tty) process.stdout.write(`\r\x1b[2K${text}`);
    else process.stdout.write(`${text}\n`);
  };
  const event = (type: string, data: Record<string, unknown>) => {
    if (json) process.stdout.write(`${JSON.stringify({ event: type, at: new Date().toISOString(), ...data })}\n`);
  };
  event('checked-out', { lease: lease.answer });
  status(`holding ${leaseLine(lease)}; heartbeat every ${lease.heartbeatIntervalSeconds} s; Ctrl-C releases`);
  return new Promise<number>((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const finish = (code: number) => {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(code);
    };
    lease.on('heartbeat', (answer) => {
      beats += 1;
      event('heartbeat', { expiresAt: answer.expiresAt, revision: answer.revision });
      status(
        `holding lease ${lease.id}: ${beats} heartbeat(s), last ${new Date().toISOString()}, held until ${answer.expiresAt}; Ctrl-C releases`,
      );
    });
    lease.on('networkError', (error, retryInMs) => {
      event('network-error', { code: error.code, message: error.message, retryInMs });
      status(
        `server unreachable (${error.code}); retrying in ${Math.round(retryInMs / 1000)} s; lease held until ${lease.expiresAt.toISOString()}`,
      );
    });
    lease.on('updated', (update) => {
      event('updated', update);
      status(`license changed (revision ${update.revision}): validate and fetch the license file again`);
    });
    lease.on('stopped', (error) => {
      event('stopped', { code: error.code, message: error.message });
      if (!json) process.stdout.write(`${tty ? '\n' : ''}stopped: ${error.code}: ${error.message}\n`);
      finish(4);
    });
    lease.on('expired', (error) => {
      event('expired', { code: error.code, message: error.message });
      if (!json) process.stdout.write(`${tty ? '\n' : ''}expired: ${error.message}\n`);
      finish(4);
    });
    const onSignal = () => {
      lease.release().then(
        (ended) => {
          event('released', { ...ended });
          if (!json) process.stdout.write(`${tty ? '\n' : ''}released lease ${ended.leaseId}: ${ended.endReason}\n`);
          finish(0);
        },
        (error: unknown) => {
          report(flags, error);
          finish(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function report(flags: Flags, error: unknown): void {
  if (error instanceof LeaseholdError) {
    const body = {
      error: {
        code: error.code,
        message: error.message,
        status: error.status,
        details: error.details,
        retryAfter: error.retryAfter,
        requestId: error.requestId,
      },
    };
    if (flags['json']) process.stdout.write(`${JSON.stringify(body)}\n`);
    const retry = error.retryAfter !== undefined ? ` (retry after ${error.retryAfter} s)` : '';
    process.stderr.write(
      `error ${error.code}${error.status ? ` (HTTP ${error.status})` : ''}: ${error.message}${retry}${error.requestId ? ` [request ${error.requestId}]` : ''}\n`,
    );
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

if (require.main === module) {
  let flags: Flags = {};
  try {
    flags = parse(process.argv.slice(2)).flags;
  } catch {
    /* reported by main */
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`leasehold: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      report(flags, error);
      process.exitCode = 1;
    },
  );
}

export { main as runCli };
