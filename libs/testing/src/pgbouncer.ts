// A PgBouncer the test owns (Debian's package, /usr/sbin/pgbouncer; scripts/ensure-pgbouncer.sh
// installs it): its own temp dir, config and user list, a free port on 127.0.0.1, in front of the
// machine's Postgres (127.0.0.1:5432) for one database. Never the machine's services.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, waitFor } from './faults';

export const PGBOUNCER_PATH = process.env['PGBOUNCER_PATH'] ?? '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The database (on 127.0.0.1:5432) the pooler serves, under the same name; `*`: any database. */
  database: string;
  /** `transaction` (the mode docs/scaling.md is about) or `session`. */
  poolMode?: 'transaction' | 'session';
  /** Server connections per database and user: what the apps' client connections share. */
  poolSize?: number;
  maxClientConn?: number;
}

export class TestPgBouncer {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    readonly database: string,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /** The URL the apps use instead of Postgres's own (for `*`: the URL of database `name`). */
  get url(): string {
    return this.urlOf(this.database === '*' ? 'postgres' : this.database);
  }

  urlOf(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** PgBouncer's own log (for a failing test's message). */
  log(): string {
    const file = path.join(this.dir, 'pgbouncer.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  static async start(options: PgBouncerOptions): Promise<TestPgBouncer> {
    if (!existsSync(PGBOUNCER_PATH)) {
      throw new Error(
        `PgBouncer is missing at ${PGBOUNCER_PATH}: run scripts/ensure-pgbouncer.sh (or: sudo apt-get install -y pgbouncer)`,
      );
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'leasehold-pgbouncer-'));
    // PgBouncer refuses to run as root: as root it switches to the postgres user (-u), which must
    // read the config and write the log here.
    chmodSync(dir, 0o777);
    const port = await freePort();
    const ini = [
      '[databases]',
      options.database === '*'
        ? '* = host=127.0.0.1 port=5432'
        : `${options.database} = host=127.0.0.1 port=5432 dbname=${options.database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 4}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      `max_client_conn = ${options.maxClientConn ?? 100}`,
      // From 1.21 PgBouncer can track protocol-level prepared statements; off here, as in 1.18.
      ...(supportsPreparedSetting() ? ['max_prepared_statements = 0'] : []),
      'server_lifetime = 3600',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'pgbouncer.ini'), ini, { mode: 0o644 });
    writeFileSync(path.join(dir, 'userlist.txt'), '"postgres" ""\n', { mode: 0o644 });
    const asRoot = process.getuid?.() === 0;
    const child = spawn(PGBOUNCER_PATH, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const bouncer = new TestPgBouncer(child, dir, port, options.database);
    try {
      await waitFor(
        async () => {
          if (bouncer.exited) throw new Error(`pgbouncer exited: ${stderr}${bouncer.log()}`);
          const client = new Client({ connectionString: bouncer.url, connectionTimeoutMillis: 2_000 });
          try {
            await client.connect();
            await client.query('SELECT 1');
            return true;
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        15_000,
        `pgbouncer on port ${port}`,
        100,
      );
    } catch (error) {
      await bouncer.stop();
      throw error;
    }
    return bouncer;
  }

  /** Stops this PgBouncer (its own process, by its id) and removes its temp dir. */
  async stop(): Promise<void> {
    if (!this.exited && this.child.pid) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGINT'); // SIGINT: PgBouncer's immediate shutdown
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
      if (!this.exited) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `max_prepared_statements` (protocol-level prepared statements) exists from PgBouncer 1.21 only. */
function supportsPreparedSetting(): boolean {
  const out = spawnSync(PGBOUNCER_PATH, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const match = /PgBouncer (\d+)\.(\d+)/.exec(out);
  return !!match && (Number(match[1]) > 1 || Number(match[2]) >= 21);
}
