/**
 * `rxws/node/redis`: {@link redisSessionStore}, the `SessionStore` of a fleet of server processes
 * on Redis. Node only; needs a Redis client, `ioredis` or node-redis (`redis` v4+), which the
 * application installs and passes in (optional peer dependencies: nothing else in rxws loads them).
 * @packageDocumentation
 */
export { redisSessionStore, type RedisSessionStoreOptions } from './redis-store.js';
export type { RedisClient, IoRedisClient, IoRedisSubscriber, NodeRedisClient, NodeRedisSubscriber } from './client.js';
