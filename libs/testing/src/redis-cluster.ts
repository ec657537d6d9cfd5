// A Redis Cluster the test owns: three masters (no replicas), `redis-server --cluster-enabled yes`
// on ports of 127.0.0.1, created with `redis-cli --cluster create … --cluster-yes`, each node in a
// temp dir of its own. Never the machine's Redis. Debian's `redis-server` package brings both
// programs (`redis-tools` has redis-cli). docs/scaling.md, "Redis Cluster", says how to run it.
//
// Ports: by default any free ports (the kernel's choice; the cluster bus port is given explicitly
// with `--cluster-port`). LEASEHOLD_TEST_REDIS_CLUSTER_PORTS=7300-7349 picks the data ports from
// that range instead, with the bus on port + 10000 (the Redis default), for machines that hand
// out fixed port ranges.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { freePort, waitFor } from './faults';

const MASTERS = 3;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Stops with the command that installs what is missing. */
function requirePrograms(): void {
  for (const program of ['redis-server', 'redis-cli']) {
    if (spawnSync(program, ['--version'], { encoding: 'utf8' }).status !== 0) {
      throw new Error(
        `${program} is missing: the Redis Cluster tests start their own cluster. Install it: sudo apt-get install -y redis-server (Debian/Ubuntu)`,
      );
    }
  }
}

interface NodePorts {
  port: number;
  busPort: number;
}

async function pickPorts(): Promise<NodePorts[]> {
  const range = process.env['LEASEHOLD_TEST_REDIS_CLUSTER_PORTS'];
  const picked: NodePorts[] = [];
  if (range) {
    const match = /^(\d+)-(\d+)$/.exec(range);
    if (!match) throw new Error(`LEASEHOLD_TEST_REDIS_CLUSTER_PORTS must be a range like 7300-7349, not "${range}"`);
    // Start at a random offset: two test files (Jest workers) may start clusters at the same time.
    const [low, high] = [Number(match[1]), Number(match[2])];
    const size = high - low + 1;
    const offset = Math.floor(Math.random() * size);
    for (let i = 0; i < size && picked.length < MASTERS; i++) {
      const port = low + ((offset + i) % size);
      if ((await canListen(port)) && (await canListen(port + 10_000))) picked.push({ port, busPort: port + 10_000 });
    }
    if (picked.length < MASTERS) throw new Error(`no ${MASTERS} free ports (and bus ports + 10000) in ${range}`);
    return picked;
  }
  const ports = new Set<number>();
  while (ports.size < MASTERS * 2) ports.add(await freePort());
  const list = [...ports];
  for (let i = 0; i < MASTERS; i++) picked.push({ port: list[i], busPort: list[MASTERS + i] });
  return picked;
}

function redisCli(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export class TestRedisCluster {
  private readonly processes: ChildProcess[] = [];
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'leasehold-redis-cluster-'));
  private nodes: NodePorts[] = [];

  /** `redis+cluster://127.0.0.1:<port>,…`: REDIS_URL for the apps. */
  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** Starts three nodes, creates the cluster (all 16384 slots over the three masters), waits for `cluster_state:ok`. */
  static async start(): Promise<TestRedisCluster> {
    requirePrograms();
    const cluster = new TestRedisCluster();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await cluster.startNodes();
          break;
        } catch (error) {
          // Another run took a port between the check and the start: try other ports.
          await cluster.stopNodes();
          if (attempt === 3) throw error;
        }
      }
      const created = redisCli([
        '--cluster',
        'create',
        ...cluster.nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.output}`);
      await waitFor(
        () =>
          cluster.nodes.every((n) =>
            /cluster_state:ok/.test(redisCli(['-p', String(n.port), 'cluster', 'info']).output),
          ),
        20_000,
        'cluster_state:ok on every node',
        200,
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private async startNodes(): Promise<void> {
    this.nodes = await pickPorts();
    for (const node of this.nodes) {
      const nodeDir = mkdtempSync(path.join(this.dir, `node-${node.port}-`));
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(node.port),
          '--cluster-port',
          String(node.busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          nodeDir,
        ],
        { stdio: 'ignore' },
      );
      this.processes.push(child);
    }
    await Promise.all(
      this.nodes.map((n, i) =>
        waitFor(
          () => {
            if (this.processes[i].exitCode !== null)
              throw new Error(`redis-server on port ${n.port} exited (${this.processes[i].exitCode})`);
            return redisCli(['-p', String(n.port), 'ping']).output.includes('PONG');
          },
          10_000,
          `redis-server (cluster node) on port ${n.port}`,
          50,
        ),
      ),
    );
  }

  /** An ioredis client of the cluster (the test closes it). */
  client(): Cluster {
    return new Cluster(this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
  }

  private async stopNodes(): Promise<void> {
    const running = this.processes.splice(0);
    await Promise.all(
      running.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        return exited;
      }),
    );
  }

  /** Kills the three nodes (their own processes, by id) and removes their directories. */
  async stop(): Promise<void> {
    await this.stopNodes();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
