export * from './lease-sweeper.service';
export * from './retry-after';
export * from './seat-pool.service';
export * from './seats.module';
export * from './seats.service';
export * from './seats.types';
export * from './sessions.service';
export * from './usage.service';
