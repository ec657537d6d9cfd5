import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDocument, OPENAPI_FILES, serialise } from './openapi-documents';

describe('exported OpenAPI documents', () => {
  it.each(OPENAPI_FILES)('$file matches the code (run `npm run openapi` when this fails)', async ({ file, module, info }) => {
    const exported = await readFile(path.join(__dirname, '..', file), 'utf8').catch(() => '');
    const current = serialise(await buildDocument(module, info));
    expect(exported).toBe(current);
  });

  it('documents every error code of the catalogue and the error envelope', async () => {
    const document = await buildDocument(OPENAPI_FILES[0].module, OPENAPI_FILES[0].info);
    expect(document.components?.schemas?.['ErrorResponse']).toBeDefined();
    expect(document.info.description).toContain('NOT_FOUND');
  });
});
