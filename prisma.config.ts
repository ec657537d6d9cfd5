// Prisma CLI configuration. The CLI runs on the JS/WASM engine with the pg driver adapter, so no
// native engine binary is ever downloaded (these machines cannot fetch one). See
// tools/prisma/README.md for why PRISMA_QUERY_ENGINE_LIBRARY points at a placeholder.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const connectionString =
      process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold';
    return new PrismaPg({ connectionString });
  },
});
