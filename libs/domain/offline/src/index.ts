export * from './license-file.service';
export * from './offline-activation.service';
export * from './offline.module';
export * from './offline.dto';
