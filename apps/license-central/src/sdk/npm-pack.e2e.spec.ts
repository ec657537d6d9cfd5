import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClientPackage, run, RunningServer, sdkWorld, startLicenseCentral } from '../testing/sdk-world';

// "Installs and works as a vendor would use it": `npm pack` of @leasehold/client, installed into a
// fresh project outside the monorepo (no path aliases, no node_modules of ours), type-checked as a
// vendor's TypeScript, then run: activate → validate → checkout → heartbeat → license file →
// release → offline verify against the real running license-central.

const ROOT = join(__dirname, '../../../..');

const VENDOR_PROGRAM = `import { readFileSync } from 'node:fs';
import { FileStorage, LeaseholdClient, LeaseholdError, fetchPublicKeys, loadPublicKeys, savePublicKeys } from '@leasehold/client';
import { verifyLicenseFile } from '@leasehold/client/license-file';

const url = process.env.LEASEHOLD_URL!;
savePublicKeys('keys.json', await fetchPublicKeys(url, process.env.VENDOR_ID!));
const client = new LeaseholdClient({
  baseUrl: url,
  secret: process.env.LEASEHOLD_SECRET!,
  publicKeys: loadPublicKeys('keys.json'),
  product: process.env.PRODUCT,
  storage: new FileStorage('state'),
});
const steps: Record<string, unknown> = {};
steps.activate = (await client.activate({ name: 'vendor test bench' })).created;
steps.validate = (await client.validate({ feature: 'export-pdf' })).code;
const lease = await client.checkout({ clientName: 'packed sdk' });
steps.heartbeat = await new Promise<boolean>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no heartbeat')), 20_000);
  lease.once('heartbeat', (answer) => (clearTimeout(timer), resolve(answer.leaseId === lease.id)));
  lease.once('stopped', (error: LeaseholdError) => reject(error));
});
const file = await client.downloadLicenseFile();
steps.licenseFile = file.verification.status;
steps.release = (await lease.release()).endReason;
steps.offline = client.verifyOffline().verification.status;
const keys = JSON.parse(readFileSync('keys.json', 'utf8')) as Record<string, string>;
steps.standalone = verifyLicenseFile(file.text, { publicKeys: keys, fingerprint: client.fingerprint }).status;
console.log(JSON.stringify(steps));
`;

describe('npm pack of @leasehold/client, installed outside the monorepo', () => {
  let server: RunningServer;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'leasehold-pack-'));
    server = await startLicenseCentral();
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await server.close();
  }, 60_000);

  it('packs, installs, type-checks and runs the whole flow against the running server', async () => {
    const packageDir = await buildClientPackage(join(work, 'package'));
    const packed = await run('npm', ['pack', packageDir, '--pack-destination', work, '--json'], { cwd: work });
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli.js',
        'dist/license-file/index.js',
      ]),
    );
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);

    const app = join(work, 'vendor-app');
    rmSync(app, { recursive: true, force: true });
    await run('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'vendor-app', version: '1.0.0', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, filename)], { cwd: app });
    expect(readdirSync(join(app, 'node_modules'))).toEqual(['.bin', '.package-lock.json', '@leasehold']); // no dependencies came along

    // The vendor's TypeScript type-checks against the published types (node16 resolution, exports map).
    writeFileSync(join(app, 'program.mts'), VENDOR_PROGRAM);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          outDir: 'out',
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          skipLibCheck: false,
        },
        files: ['program.mts'],
      }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });

    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1, heartbeatIntervalSeconds: 1 });
    const env = {
      PATH: process.env['PATH'],
      LEASEHOLD_URL: server.url,
      LEASEHOLD_SECRET: w.secret,
      VENDOR_ID: w.vendorId,
      PRODUCT: w.productCode,
    };
    const result = await run(process.execPath, [join(app, 'out/program.mjs')], { cwd: app, env });
    expect(JSON.parse(result.stdout)).toEqual({
      activate: true,
      validate: 'VALID',
      heartbeat: true,
      licenseFile: 'VALID',
      release: 'RELEASED',
      offline: 'VALID',
      standalone: 'VALID',
    });

    // CommonJS require works too, and the bin is installed.
    const cjs = await run(
      process.execPath,
      [
        '-e',
        "const c = require('@leasehold/client'); console.log(typeof c.LeaseholdClient, typeof require('@leasehold/client/license-file').verifyLicenseFile)",
      ],
      { cwd: app },
    );
    expect(cjs.stdout.trim()).toBe('function function');
    const help = await run(join(app, 'node_modules/.bin/leasehold'), ['help'], { cwd: app });
    expect(help.stdout).toContain('leasehold <command> [options]');
  }, 240_000);
});
