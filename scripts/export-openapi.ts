// `npm run openapi`: writes docs/openapi/license-central.json and docs/openapi/portal.json, then the
// wire types of the SDK and the vendor client generated from the license-central document.
// scripts/openapi.spec.ts fails when they are stale.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDocument, OPENAPI_FILES, serialise } from './openapi-documents';

const root = path.join(__dirname, '..');

async function main(): Promise<void> {
  for (const { file, module, info } of OPENAPI_FILES) {
    await writeFile(path.join(__dirname, '..', file), serialise(await buildDocument(module, info)));
    console.log(`wrote ${file}`);
  }
  // The SDK's and the vendor client's wire types come from the license-central document.
  for (const out of ['packages/client/src/generated/license-central.ts', 'packages/vendor-client/src/generated/license-central.ts']) {
    execFileSync(path.join(root, 'node_modules/.bin/openapi-typescript'), [path.join(root, 'docs/openapi/license-central.json'), '--default-non-nullable', 'false', '-o', path.join(root, out)], { stdio: 'ignore' });
    console.log(`wrote ${out}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
