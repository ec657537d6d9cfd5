import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');

/** Runs the operator CLI against this Jest worker's database. */
function operator(...args: string[]) {
  return run(process.execPath, ['-r', '@swc-node/register', 'scripts/operator.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    timeout: 60_000,
  });
}

async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: process.env['DATABASE_URL'] });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('operator command line', () => {
  jest.setTimeout(120_000);

  it('creates a vendor with a working API key, audited as the operator, and refuses a taken slug', async () => {
    const { stdout } = await operator('create-vendor', '--slug', 'cli-acme', '--name', 'CLI Acme');
    const created = JSON.parse(stdout) as { vendor: { id: string; slug: string }; apiKey: string };
    expect(created.vendor.slug).toBe('cli-acme');
    expect(created.apiKey).toMatch(/^lh_[a-z0-9]{12}_/);
    const keys = await query<{ vendorId: string }>('SELECT "vendorId" FROM api_keys WHERE "vendorId" = $1', [
      created.vendor.id,
    ]);
    expect(keys).toHaveLength(1);
    const audit = await query<{ actorType: string }>('SELECT "actorType" FROM audit_entries WHERE "entityId" = $1', [
      created.vendor.id,
    ]);
    expect(audit.map((a) => a.actorType)).toContain('OPERATOR');

    await expect(operator('create-vendor', '--slug', 'cli-acme', '--name', 'Again')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('VENDOR_SLUG_TAKEN'),
    });
    await expect(operator('create-vendor', '--slug', 'Bad Slug', '--name', 'x')).rejects.toMatchObject({ code: 1 });

    const { stdout: suspended } = await operator('set-vendor-status', created.vendor.id, 'SUSPENDED');
    expect(JSON.parse(suspended)).toMatchObject({ id: created.vendor.id, status: 'SUSPENDED' });
    const { stdout: listing } = await operator('list-vendors');
    expect(listing).toContain('cli-acme');
  });
});
