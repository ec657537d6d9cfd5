import { readSchemaFingerprint } from './schema-fingerprint';
import { createScratchDatabase, ScratchDatabase } from '../../../tools/jest/scratch-database';

// The drift test is only as good as the fingerprint: it must see every difference Prisma can
// make, and nothing that is not a difference (column order).

const BASE = `
  CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO');
  CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "plan" "Plan" NOT NULL DEFAULT 'FREE',
    "seats" INTEGER,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
  );
  CREATE UNIQUE INDEX "accounts_name_key" ON "accounts"("name");
`;

describe('schema fingerprint', () => {
  const databases: ScratchDatabase[] = [];
  afterAll(() => Promise.all(databases.map((db) => db.drop())));

  async function fingerprintOf(sql: string) {
    const db = await createScratchDatabase('fp');
    databases.push(db);
    await db.query((c) => c.query(sql));
    return readSchemaFingerprint(db.url);
  }

  it('describes columns, indexes, constraints and enums, and ignores the migration history table', async () => {
    const fingerprint = await fingerprintOf(`${BASE} CREATE TABLE "_prisma_migrations" (id text PRIMARY KEY);`);
    expect(fingerprint).toEqual({
      relations: ['public.accounts (r)'],
      columns: [
        'public.accounts.id uuid NOT NULL',
        'public.accounts.name text NOT NULL',
        `public.accounts.plan "Plan" NOT NULL DEFAULT 'FREE'::"Plan"`,
        'public.accounts.seats integer NULL',
      ],
      indexes: [
        'CREATE UNIQUE INDEX accounts_name_key ON public.accounts USING btree (name)',
        'CREATE UNIQUE INDEX accounts_pkey ON public.accounts USING btree (id)',
      ],
      constraints: ['public.accounts accounts_pkey [p]: PRIMARY KEY (id)'],
      enums: ['public.Plan: FREE, PRO'],
    });
  });

  it('does not depend on the order of columns', async () => {
    const reordered = `
      CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO');
      CREATE TABLE "accounts" ("seats" INTEGER, "id" UUID NOT NULL, "name" TEXT NOT NULL);
      ALTER TABLE "accounts" ADD COLUMN "plan" "Plan" NOT NULL DEFAULT 'FREE';
      ALTER TABLE "accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY ("id");
      CREATE UNIQUE INDEX "accounts_name_key" ON "accounts"("name");
    `;
    expect(await fingerprintOf(reordered)).toEqual(await fingerprintOf(BASE));
  });

  it.each([
    ['a nullability', 'ALTER TABLE "accounts" ALTER COLUMN "seats" SET NOT NULL', 'columns'],
    ['a type', 'ALTER TABLE "accounts" ALTER COLUMN "seats" TYPE BIGINT', 'columns'],
    ['a default', 'ALTER TABLE "accounts" ALTER COLUMN "seats" SET DEFAULT 1', 'columns'],
    ['an index', 'CREATE INDEX "accounts_seats_idx" ON "accounts"("seats")', 'indexes'],
    [
      'a foreign key',
      'ALTER TABLE "accounts" ADD CONSTRAINT "self_fkey" FOREIGN KEY ("id") REFERENCES "accounts"("id")',
      'constraints',
    ],
    ['an enum label', `ALTER TYPE "Plan" ADD VALUE 'TEAM' BEFORE 'PRO'`, 'enums'],
  ])('sees %s that differs', async (_what, change, part) => {
    const [base, changed] = [await fingerprintOf(BASE), await fingerprintOf(`${BASE}; ${change};`)];
    expect(changed[part as keyof typeof changed]).not.toEqual(base[part as keyof typeof base]);
  });
});
