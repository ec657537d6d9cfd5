// Builds the publishable @leasehold/vendor-client: tsc (CommonJS, declarations) into dist, or with
// `--out <dir>` a complete package directory there (dist, package.json).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(packageDir, '../..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : packageDir;
const stage = join(root, 'tmp', `vendor-client-build-${process.pid}`);
mkdirSync(stage, { recursive: true });
try {
  cpSync(join(packageDir, 'src'), join(stage, 'src'), { recursive: true, filter: (p) => !p.endsWith('.spec.ts') });
  writeFileSync(
    join(stage, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022', lib: ['es2023', 'dom'], module: 'commonjs', moduleResolution: 'node10', types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')], baseUrl: '.', paths: { 'openapi-fetch': [join(root, 'node_modules/openapi-fetch')] },
        strict: true, declaration: true, esModuleInterop: true, skipLibCheck: true, ignoreDeprecations: '6.0', rootDir: 'src', outDir: join(outDir, 'dist'),
      },
      include: ['src/**/*.ts'],
    }),
  );
  rmSync(join(outDir, 'dist'), { recursive: true, force: true });
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(stage, 'tsconfig.json')], { stdio: 'inherit' });
  if (outDir !== packageDir) writeFileSync(join(outDir, 'package.json'), readFileSync(join(packageDir, 'package.json')));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
