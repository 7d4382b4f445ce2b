// Server-advised retry delays: the `Retry-After` header of a refused handshake (429, 503), as
// reconnect()'s default `retryAfter` reads it.
import type { ReconnectCause } from './reconnect-cause.js';

/**
 * The default `maxRetryAfter` of `reconnect()` (ms): the longest a server's `Retry-After` may
 * make an attempt wait (10 minutes).
 *
 * @example
 * reconnect({ maxRetryAfter: DEFAULT_MAX_RETRY_AFTER / 10 }); // at most a minute
 */
export const DEFAULT_MAX_RETRY_AFTER = 600_000;

/**
 * The default `retryAfter` of `reconnect()`: when the handshake was refused with 429 Too Many
 * Requests or 503 Service Unavailable and the response has a `Retry-After` header (seconds, or
 * an HTTP date), the delay it asks for, in ms (0 for a date in the past); otherwise `undefined`
 * (the ordinary backoff applies). Reads `cause.cause.status` and `cause.cause.headers`, which
 * rxws's `WebSocket` sets on Node; browsers do not expose handshake responses, so there it
 * always returns `undefined`.
 *
 * @param now the wall clock an HTTP date is compared with (default `Date.now()`).
 *
 * @example
 * // Also honour a close reason `retry-after=30` sent with 1013 Try Again Later:
 * reconnect({
 *   retryAfter: (cause) => {
 *     const seconds = cause.code === 1013 && 'reason' in cause ? /^retry-after=(\d+)$/.exec(cause.reason)?.[1] : undefined;
 *     return seconds !== undefined ? Number(seconds) * 1000 : defaultRetryAfter(cause);
 *   },
 * });
 */
export function defaultRetryAfter(cause: ReconnectCause, now = Date.now()): number | undefined {
  const response = (cause as { cause?: { status?: unknown; headers?: Record<string, unknown> } }).cause;
  const status = response?.status;
  const value = response?.headers?.['retry-after'];
  if ((status !== 429 && status !== 503) || typeof value !== 'string') return undefined;
  const text = value.trim();
  // delay-seconds (RFC 9110 10.2.3: 1*DIGIT), else an HTTP-date (which has a day or month name).
  const ms = /^\d+$/.test(text) ? +text * 1000 : /[a-z]/i.test(text) ? Date.parse(text) - now : NaN;
  return ms === ms ? Math.max(0, ms) : undefined; // NaN: neither form
}
