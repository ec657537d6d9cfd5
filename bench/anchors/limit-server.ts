// Anchor 2 of `npm run bench`, "the limit": what a validation has to do at least, and nothing
// else. `node:http` + the JSON body parsed + one named prepared Postgres point read by the SHA-256
// of the container secret (containers.credentialHash, unique index, joined with its vendor, as
// the app's authentication does) on the bench database + an Ed25519 signature of the answer.
// No framework, no validation library, no logging. Same pool size as the app (DATABASE_POOL_SIZE,
// default 10). POST /validate with `Authorization: Bearer <container secret>` and
// {"fingerprint": "..."}; 401 for an unknown secret, 400 for a body that is not JSON.
//
// POST /write, "the write limit": the same, but the one statement also writes a row and commits it
// (autocommit: Postgres flushes the WAL before it answers, as synchronous_commit asks by default):
// what a checkout, and again its release, has to do at least. A granted checkout that is later
// released is two such writes, so half this route's req/s is the most checkout+release pairs the
// machine can serve with each change durable.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';

const pool = new Pool({
  connectionString: process.env['DATABASE_URL'],
  max: Number(process.env['DATABASE_POOL_SIZE'] ?? 10),
});
pool.on('error', () => undefined);
const { privateKey } = generateKeyPairSync('ed25519');

const LOOKUP = {
  name: 'limit_lookup',
  text: `SELECT c."vendorId", c.id AS "containerId", c."credentialVersion", v.status::text AS "vendorStatus"
           FROM containers c JOIN vendors v ON v.id = c."vendorId"
          WHERE c."credentialHash" = $1`,
};

// A plain table of the bench database, made here (not a migration: the app never uses it).
const WRITES_TABLE = `CREATE TABLE IF NOT EXISTS bench_limit_writes (
  id bigserial PRIMARY KEY, "containerId" uuid NOT NULL, fingerprint text NOT NULL,
  "at" timestamptz NOT NULL DEFAULT now())`;
const WRITE = {
  name: 'limit_write',
  text: `INSERT INTO bench_limit_writes ("containerId", fingerprint)
         SELECT c.id, $2 FROM containers c JOIN vendors v ON v.id = c."vendorId"
          WHERE c."credentialHash" = $1
         RETURNING id::text, "containerId", "at"`,
};

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let input: { fingerprint?: unknown };
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    return send(res, 400, { error: { code: 'VALIDATION_FAILED' } });
  }
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const hash = createHash('sha256').update(token).digest('hex');
  const { rows } =
    req.url === '/write'
      ? await pool.query({ ...WRITE, values: [hash, String(input.fingerprint ?? '')] })
      : await pool.query({ ...LOOKUP, values: [hash] });
  if (!rows[0]) return send(res, 401, { error: { code: 'CREDENTIALS_INVALID' } });
  const payload = JSON.stringify({
    ...rows[0],
    fingerprint: String(input.fingerprint ?? ''),
    status: 'VALID',
    issuedAt: new Date().toISOString(),
  });
  send(res, 200, { payload, signature: sign(null, Buffer.from(payload), privateKey).toString('base64url') });
}

void pool
  .query(WRITES_TABLE)
  .then(() => pool.query('TRUNCATE bench_limit_writes'))
  .then(() =>
    createServer((req, res) => {
      handle(req, res).catch(() => send(res, 500, { error: { code: 'INTERNAL' } }));
    }).listen(Number(process.env['BENCH_PORT']), '127.0.0.1', () => console.log('listening')),
  );
