// One Jest run over every project: SWC transpiles (fast, no type check; `npm run typecheck` does
// that), tsconfig path aliases map to the libs' sources, and every worker gets its own Postgres
// database (cloned from a migrated template) and its own Redis prefix.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target.replace(/^\.\//, "")}`]),
);

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,packages,tools,bench,prisma,scripts}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/tools/jest/global-setup.ts',
  globalTeardown: '<rootDir>/tools/jest/global-teardown.ts',
  setupFiles: ['<rootDir>/tools/jest/worker-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/tools/jest/per-file.ts'],
  testTimeout: 30_000,
  maxWorkers: 2,
};
