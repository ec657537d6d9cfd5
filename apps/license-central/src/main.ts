import { NestFactory } from '@nestjs/core';
import { ConfigError, ConfigService, loadConfig } from '@leasehold/config';
import { configureHttpApp } from '@leasehold/http';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  loadConfig(); // fail fast, before any connection is opened, naming each bad variable
  // rawBody: the signed ERP webhooks are verified over the bytes as received.
  const app = await NestFactory.create(AppModule, { bufferLogs: true, rawBody: true });
  configureHttpApp(app, LICENSE_CENTRAL_API);
  const config = app.get(ConfigService);
  await app.listen(config.get('LICENSE_CENTRAL_PORT'), config.get('HOST'));
  console.log(`license-central listening on ${await app.getUrl()} (OpenAPI: ${await app.getUrl()}/docs)`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
