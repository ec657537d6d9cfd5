import { NestFactory } from '@nestjs/core';
import { ConfigError, ConfigService, loadConfig } from '@leasehold/config';
import { configureProbeApp, LeaseholdExpressAdapter } from '@leasehold/http';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  loadConfig(); // fail fast, naming each bad variable
  const app = await NestFactory.create(AppModule, new LeaseholdExpressAdapter(), { bufferLogs: true });
  // Logger, error envelope, body parsers; on SIGTERM Nest closes HTTP, then @nestjs/bullmq closes
  // the workers (letting running jobs finish), then Prisma and Redis disconnect.
  configureProbeApp(app);
  const config = app.get(ConfigService);
  await app.listen(config.get('WORKER_PORT'), config.get('HOST'));
  console.log(`worker running; health on ${await app.getUrl()}/health/ready`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
