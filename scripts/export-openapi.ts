// `npm run openapi`: writes docs/openapi/license-central.json and docs/openapi/portal.json (the npm
// script then regenerates the SDK's types, packages/client/src/generated/license-central.ts).
// scripts/openapi.spec.ts fails when they are stale.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDocument, OPENAPI_FILES, serialise } from './openapi-documents';

async function main(): Promise<void> {
  for (const { file, module, info } of OPENAPI_FILES) {
    await writeFile(path.join(__dirname, '..', file), serialise(await buildDocument(module, info)));
    console.log(`wrote ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
