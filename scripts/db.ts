// Database commands of the project (run through npm scripts, which set up the environment):
//   npm run db:migrate   creates the database if missing and applies pending migrations
//   npm run db:seed      creates the demo vendor (idempotent) and prints a fresh demo API key
//   npm run db:reset     drops and re-creates a *test* database, then migrates it
import path from 'node:path';
import { Client } from 'pg';
import { Command } from 'commander';
import { loadConfig } from '@leasehold/config';
import { runMigrations } from '@leasehold/db-migrations';
import { seedDemo } from './seed-demo';

const MIGRATIONS = path.join(__dirname, '..', 'prisma', 'migrations');

function splitUrl(databaseUrl: string): { adminUrl: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  return { adminUrl: url.toString(), database };
}

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { adminUrl, database } = splitUrl(databaseUrl);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created by a concurrent start: fine
      });
      console.log(`created database ${database}`);
    }
  } finally {
    await admin.end();
  }
}

async function migrate(): Promise<void> {
  const { DATABASE_URL } = loadConfig();
  await ensureDatabase(DATABASE_URL);
  const result = await runMigrations({ connectionString: DATABASE_URL, migrationsDir: MIGRATIONS, log: console.log });
  console.log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
}

async function reset(force: boolean): Promise<void> {
  const config = loadConfig();
  const { adminUrl, database } = splitUrl(config.DATABASE_URL);
  if (config.NODE_ENV === 'production' || (!/test/.test(database) && !force)) {
    throw new Error(
      `Refusing to drop "${database}": db:reset is for test databases (name containing "test"); pass --force to override outside production.`,
    );
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await migrate();
}

const program = new Command('db');
program.command('migrate').description('create the database if missing and apply pending migrations').action(migrate);
program.command('seed').description('create the demo vendor and print a fresh demo API key').action(seedDemo);
program
  .command('reset')
  .description('drop and re-create a test database, then migrate it')
  .option('--force', 'allow a database whose name does not contain "test" (never in production)', false)
  .action((options: { force: boolean }) => reset(options.force));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
