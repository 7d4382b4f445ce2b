// rxws's reconnect operator and its parts (backoff, causes, connectivity).
export { reconnect } from './reconnect.js';
export { DEFAULT_RESET_AFTER, DEFAULT_CONNECT_TIMEOUT, type ReconnectOptions } from './reconnect-policy.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions, type Jitter } from './backoff.js';
export { defaultShouldReconnect, RETRYABLE_CLOSE_CODES, FATAL_CLOSE_CODES, type ReconnectCause, type OtherEnd } from './reconnect-cause.js';
export type { NetworkStatus } from './network.js';
export { defaultRetryAfter, DEFAULT_MAX_RETRY_AFTER } from './retry-after.js';
