export * from './catalog.module';
export * from './catalog.service';
export * from './catalog.types';
