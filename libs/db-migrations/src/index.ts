// Applying the SQL migrations (the deploy job, `npm run db:migrate`, the test template) and reading
// a database's schema back; the apps never migrate.
export * from './migration-runner';
export * from './schema-fingerprint';
