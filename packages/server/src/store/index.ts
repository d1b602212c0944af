export * from './types.js';
export type { StoreLog } from './store-log.js';
export { EmbeddedStore, type EmbeddedStoreOptions, type EmbeddedStoreStats, type SegmentHandle } from './embedded-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
