export * from './http';
export * from './ws';
export * from './server-frames';
export * from './uploads';
export * from './audit';
