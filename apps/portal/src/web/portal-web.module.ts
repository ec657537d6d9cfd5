import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { PortalWebMiddleware } from './portal-web.middleware';

/** The customer portal web app at `/` (see PortalWebMiddleware). */
@Module({ providers: [PortalWebMiddleware] })
export class PortalWebModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(PortalWebMiddleware)
      .forRoutes({ path: '{*path}', method: RequestMethod.GET }, { path: '{*path}', method: RequestMethod.HEAD });
  }
}
