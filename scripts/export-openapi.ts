// `npm run openapi`: writes docs/openapi/license-central.json and docs/openapi/portal.json, then the
// wire types generated from them (the SDK, the vendor client, the portal web app).
// scripts/openapi.spec.ts fails when they are stale.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDocument, GENERATED_TYPES, OPENAPI_FILES, serialise } from './openapi-documents';

const root = path.join(__dirname, '..');

async function main(): Promise<void> {
  for (const { file, module, info } of OPENAPI_FILES) {
    await writeFile(path.join(__dirname, '..', file), serialise(await buildDocument(module, info)));
    console.log(`wrote ${file}`);
  }
  // The SDK's and the vendor client's wire types come from the license-central document, the
  // portal web app's from the portal document.
  for (const { document, out } of GENERATED_TYPES) {
    execFileSync(
      path.join(root, 'node_modules/.bin/openapi-typescript'),
      [path.join(root, document), '--default-non-nullable', 'false', '-o', path.join(root, out)],
      { stdio: 'ignore' },
    );
    console.log(`wrote ${out}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
