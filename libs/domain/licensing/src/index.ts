export * from './credentials/container-credentials.module';
export * from './credentials/container-credentials.service';
export * from './credentials/container-secret';
export * from './credentials/device-principal';
