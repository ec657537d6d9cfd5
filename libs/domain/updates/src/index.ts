export * from './container-revision';
export * from './license-update.subscriber';
export * from './update-signal.service';
export * from './updates.module';
export * from './updates.service';
