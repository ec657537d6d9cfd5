import { Global, Injectable, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService as NestConfigService } from '@nestjs/config';
import { AppConfig, loadConfig } from './config.schema';

/**
 * Typed access to the validated configuration. Nothing else in the code base reads `process.env`:
 * `@nestjs/config` runs `loadConfig` once at start-up and keeps its (validated) result.
 */
@Injectable()
export class ConfigService {
  constructor(private readonly nest: NestConfigService<AppConfig, true>) {}

  get<K extends keyof AppConfig>(key: K): AppConfig[K] {
    return this.nest.get(key, { infer: true });
  }

  get isProduction(): boolean {
    return this.get('NODE_ENV') === 'production';
  }
}

@Global()
@Module({
  imports: [
    NestConfigModule.forRoot({
      ignoreEnvFile: true,
      cache: true,
      validate: (env) => loadConfig(env as Record<string, string | undefined>),
    }),
  ],
  providers: [ConfigService],
  exports: [ConfigService],
})
export class ConfigModule {}
