import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, ConfigService, loadConfig } from '@leasehold/config';
import { AllExceptionsFilter, applyTrustProxy } from '@leasehold/http';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  loadConfig(); // fail fast, naming each bad variable
  const app = await NestFactory.create(AppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new AllExceptionsFilter());
  applyTrustProxy(app);
  // On SIGTERM Nest closes HTTP, then @nestjs/bullmq closes the workers (letting running jobs
  // finish), then Prisma and Redis disconnect.
  app.enableShutdownHooks();
  const config = app.get(ConfigService);
  await app.listen(config.get('WORKER_PORT'), config.get('HOST'));
  console.log(`worker running; health on ${await app.getUrl()}/health/ready`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
