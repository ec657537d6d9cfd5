// Builds the publishable @leasehold/client into packages/client/dist:
// 1. stages the SDK's sources and the license-file verifier (libs/license-file, which becomes
//    dist/license-file, the `@leasehold/client/license-file` export) in tmp/client-build;
// 2. regenerates the wire types from docs/openapi/license-central.json with openapi-typescript, so
//    a spec change that breaks the SDK fails this build;
// 3. compiles with tsc (CommonJS, declarations) and marks the CLI executable.
// `--out <dir>` writes a complete package directory there instead (dist, package.json without
// scripts, README.md): tests build their own copy, so parallel runs never share a dist.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(packageDir, '../..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : packageDir;
const stage = join(root, 'tmp', `client-build-${process.pid}`);
const bin = (name) => join(root, 'node_modules', '.bin', name);
const sourceFilter = (path) => !/\.spec\.ts$/.test(path);

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'src', 'license-file'), { recursive: true });
try {
  cpSync(join(packageDir, 'src'), join(stage, 'src'), { recursive: true, filter: sourceFilter });
  cpSync(join(root, 'libs', 'license-file', 'src'), join(stage, 'src', 'license-file'), { recursive: true, filter: sourceFilter });
  // In the monorepo '@leasehold/license-file' is a path alias; in the package it is ./license-file.
  for (const name of readdirSync(join(stage, 'src'))) {
    if (!name.endsWith('.ts')) continue;
    const file = join(stage, 'src', name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll("'@leasehold/license-file'", "'./license-file'"));
  }
  execFileSync(bin('openapi-typescript'), [join(root, 'docs/openapi/license-central.json'), '--default-non-nullable', 'false', '-o', join(stage, 'src/generated/license-central.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(
    join(stage, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        lib: ['es2023'],
        module: 'commonjs',
        moduleResolution: 'node10',
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        strict: true,
        declaration: true,
        sourceMap: false,
        esModuleInterop: true,
        skipLibCheck: true,
        ignoreDeprecations: '6.0',
        rootDir: 'src',
        outDir: join(outDir, 'dist'),
      },
      include: ['src/**/*.ts'],
    }),
  );
  rmSync(join(outDir, 'dist'), { recursive: true, force: true });
  execFileSync(bin('tsc'), ['-p', join(stage, 'tsconfig.json')], { stdio: 'inherit' });
  chmodSync(join(outDir, 'dist', 'cli.js'), 0o755);
  if (outDir !== packageDir) {
    const { scripts: _scripts, ...manifest } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    cpSync(join(packageDir, 'README.md'), join(outDir, 'README.md'));
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
