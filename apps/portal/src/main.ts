import { NestFactory } from '@nestjs/core';
import { ConfigError, ConfigService, loadConfig } from '@leasehold/config';
import { configureHttpApp, LeaseholdExpressAdapter } from '@leasehold/http';
import { PORTAL_API } from './api-info';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  loadConfig(); // fail fast, naming each bad variable
  const app = await NestFactory.create(AppModule, new LeaseholdExpressAdapter(), { bufferLogs: true });
  configureHttpApp(app, PORTAL_API);
  const config = app.get(ConfigService);
  await app.listen(config.get('PORTAL_PORT'), config.get('HOST'));
  console.log(`portal listening on ${await app.getUrl()} (OpenAPI: ${await app.getUrl()}/docs)`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
