import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { ConfigError, ConfigService, loadConfig } from '@leasehold/config';
import { configureHttpApp, LeaseholdExpressAdapter } from '@leasehold/http';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  loadConfig(); // fail fast, before any connection is opened, naming each bad variable
  // rawBody: the signed ERP webhooks are verified over the bytes as received.
  const app = await NestFactory.create(AppModule, new LeaseholdExpressAdapter(), { bufferLogs: true, rawBody: true });
  configureHttpApp(app, LICENSE_CENTRAL_API);
  const config = app.get(ConfigService);
  await app.listen(config.get('LICENSE_CENTRAL_PORT'), config.get('HOST'));
  console.log(`license-central listening on ${await app.getUrl()} (OpenAPI: ${await app.getUrl()}/docs)`);
}

/**
 * LICENSE_CENTRAL_PROCESSES > 1: this process only forks that many replicas sharing the port
 * (`node:cluster`), replaces one that dies, and passes SIGTERM/SIGINT on (each drains as usual).
 */
function supervise(processes: number): void {
  let stopping = false;
  const fork = () =>
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`license-central process exited (${signal ?? code}); starting another`);
      setTimeout(fork, 1_000);
    });
  for (let i = 0; i < processes; i++) fork();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
}

try {
  const { LICENSE_CENTRAL_PROCESSES } = loadConfig();
  if (cluster.isPrimary && LICENSE_CENTRAL_PROCESSES > 1) supervise(LICENSE_CENTRAL_PROCESSES);
  else
    bootstrap().catch((error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
