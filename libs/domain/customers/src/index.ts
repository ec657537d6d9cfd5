export * from './customers.module';
export * from './customers.types';
export * from './group-portal.service';
export * from './groups.service';
export * from './users.service';
