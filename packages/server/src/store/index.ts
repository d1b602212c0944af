export * from './types.js';
export { EmbeddedStore, type EmbeddedStoreOptions, type EmbeddedStoreStats, type SegmentHandle, type StoreLog } from './embedded-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
