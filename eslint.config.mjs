import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/generated/**', 'tmp/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Module boundaries: apps use libs, libs never use apps; the two APIs never import each
      // other; domain code never depends on HTTP features; the license-file lib stands alone.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/tools/jest/test-env$'],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:domain', 'type:data-access', 'type:util', 'type:testing'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:domain', 'type:data-access', 'type:util'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:data-access', 'type:util'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:data-access'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:feature', 'type:domain', 'type:data-access', 'type:util'] },
            { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client'] },
            { sourceTag: 'scope:license-central', onlyDependOnLibsWithTags: ['scope:shared', 'scope:client', 'scope:license-central'] },
            { sourceTag: 'scope:portal', onlyDependOnLibsWithTags: ['scope:shared', 'scope:client', 'scope:portal'] },
            { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:shared', 'scope:client', 'scope:worker'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:client'] },
          ],
        },
      ],
    },
  },
  {
    // Type-checked rules: a forgotten `await` in a seat check is a bug.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'packages/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
];
