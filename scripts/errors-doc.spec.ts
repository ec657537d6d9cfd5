import { readFile } from 'node:fs/promises';
import { ERROR_CATALOGUE } from '@leasehold/errors';
import { ERRORS_DOC, renderErrorsDoc } from './errors-doc';

describe('docs/errors.md', () => {
  it('matches the error catalogue (run `npm run docs:errors` when this fails)', async () => {
    expect(await readFile(ERRORS_DOC, 'utf8').catch(() => '')).toBe(renderErrorsDoc());
  });

  it('lists every code of the catalogue once, with its status', () => {
    const page = renderErrorsDoc();
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      expect(page.split('\n').filter((line) => line.startsWith(`| \`${code}\` | ${status} |`))).toHaveLength(1);
    }
  });
});
