// Before each test file: the worker's database exists (cloned from the template) and is empty,
// and the worker's Redis keys are gone, so no test file sees another's data.
import { databaseUrl, deleteRedisKeys, withAdmin, workerDatabase, workerRedisPrefix } from './test-env';

beforeAll(async () => {
  const name = workerDatabase();
  const template = process.env['LEASEHOLD_TEST_TEMPLATE'];
  if (!template) throw new Error('LEASEHOLD_TEST_TEMPLATE is not set: the Jest global setup did not run');
  await withAdmin(async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  });
  await withAdmin(async (db) => {
    const { rows } = await db.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
    );
    if (rows.length)
      await db.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
  }, databaseUrl(name));
  await deleteRedisKeys(`${workerRedisPrefix()}:*`);
});
