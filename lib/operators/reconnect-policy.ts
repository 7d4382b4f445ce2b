// reconnect()'s options: their public shape and defaults, and their checked and filled-in form
// (the Policy the engine reads; RetrySchedule.decide applies maxAttempts, then shouldReconnect).
import type { SchedulerLike } from 'rxjs';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import { resolveBackoff, type BackoffOptions } from './backoff.js';
import { defaultShouldReconnect, type ReconnectCause } from './reconnect-cause.js';
import { DEFAULT_MAX_RETRY_AFTER, defaultRetryAfter } from './retry-after.js';
import { defaultNetwork, type NetworkStatus } from './network.js';
import { checkFunction, checkNumber, checkOptions, fail } from '../common/options.js';

/**
 * The options of {@link reconnect}; every one has a default.
 *
 * @example
 * socket.pipe(reconnect({
 *   initialDelay: 500, maxDelay: 10_000,         // full jitter, 500 ms → 10 s cap
 *   maxAttempts: 20, resetAfter: 5_000, connectTimeout: 8_000,
 *   shouldReconnect: (cause, attempt) => cause.code !== 1013 && defaultShouldReconnect(cause, attempt),
 *   maxRetryAfter: 60_000,                       // a server's Retry-After waits at most a minute
 * }));
 */
export interface ReconnectOptions extends BackoffOptions {
  /**
   * How many reconnect attempts to make after a connection ends, before giving up (the first
   * connection is not one of them: `maxAttempts: 3` makes at most 4 connections). Default
   * `Infinity`. When spent the stream errors with the last cause and `state$` says `'exhausted'`.
   */
  maxAttempts?: number;
  /** The attempt count resets only after a connection stayed open (and ready) this long, in ms. Default 5000. */
  resetAfter?: number;
  /**
   * A connection that is not open (and through its handshake) after this many ms is abandoned
   * (no socket left behind) and counts as a failed attempt, cause `kind: 'timeout'`. Default
   * 10000; `Infinity` for none. Only on rxws streams (a plain observable has no "open").
   */
  connectTimeout?: number;
  /** Whether to reconnect after `cause` (attempt: the number the next attempt would have). Default {@link defaultShouldReconnect}. */
  shouldReconnect?: (cause: ReconnectCause, attempt: number) => boolean;
  /**
   * The delay the server (or the application's own convention) asks for before the next attempt,
   * in ms, or `undefined` for the ordinary backoff. Such a delay replaces the backoff's (capped at
   * `maxRetryAfter`, no `random()` draw) and `status$` reports it with `reason: 'retry-after'`.
   * Default {@link defaultRetryAfter}: the `Retry-After` header of a handshake refused with 429
   * or 503 (Node only: browsers do not expose handshake responses).
   */
  retryAfter?: (cause: ReconnectCause) => number | undefined;
  /** The longest a `retryAfter` delay may be, in ms. Default {@link DEFAULT_MAX_RETRY_AFTER} (10 min). */
  maxRetryAfter?: number;
  /**
   * The scheduler of the delays and timeouts. Default rxws's `timerScheduler` (Node timers
   * unref'ed). Pass a `TestScheduler` (or `asyncScheduler` inside `run()`) for virtual time, or a
   * scheduler that runs outside Angular's zone.
   */
  scheduler?: SchedulerLike;
  /** The random source of the jitter, a number in [0, 1) per call. Default `Math.random` (one draw per attempt). */
  random?: () => number;
  /**
   * Connectivity: while `onLine` is false, attempts wait; an `online` event retries at once
   * (with a fresh attempt count). Default: the browser's (`navigator.onLine` and the global
   * `online`/`offline` events) where they exist; `false` to ignore connectivity.
   */
  network?: NetworkStatus | false;
}

/**
 * The default `resetAfter` (ms): how long a connection must stay up before the attempt count
 * starts over.
 *
 * @example
 * reconnect({ resetAfter: DEFAULT_RESET_AFTER * 2 });
 */
export const DEFAULT_RESET_AFTER = 5000;

/**
 * The default `connectTimeout` (ms): how long a connection may take to open before it is
 * abandoned as a failed attempt.
 *
 * @example
 * reconnect({ connectTimeout: DEFAULT_CONNECT_TIMEOUT / 2 });
 */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

/** @internal {@link ReconnectOptions} checked, with every default filled in. */
export interface Policy extends Readonly<Required<BackoffOptions>> {
  readonly maxAttempts: number;
  readonly resetAfter: number;
  readonly connectTimeout: number;
  readonly shouldReconnect: (cause: ReconnectCause, attempt: number) => boolean;
  readonly retryAfter: (cause: ReconnectCause) => number | undefined;
  readonly maxRetryAfter: number;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly network: NetworkStatus | undefined;
}

const WHERE = 'reconnect()';

const OPTION_KEYS: readonly string[] = ['initialDelay', 'maxDelay', 'factor', 'jitter', 'maxAttempts', 'resetAfter', 'connectTimeout', 'shouldReconnect', 'retryAfter', 'maxRetryAfter', 'scheduler', 'random', 'network'];

/** @internal Checks `options` and fills in the defaults. @throws TypeError naming a bad option. */
export function resolvePolicy(options: ReconnectOptions): Policy {
  checkOptions(WHERE, options, 'options', OPTION_KEYS);
  checkFunction(WHERE, options.shouldReconnect, 'shouldReconnect');
  checkFunction(WHERE, options.random, 'random');
  checkFunction(WHERE, options.retryAfter, 'retryAfter');
  const scheduler = options.scheduler ?? timerScheduler;
  if (typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') fail(WHERE, "'scheduler' must be an RxJS SchedulerLike.");
  const count = (name: 'maxAttempts' | 'resetAfter' | 'connectTimeout' | 'maxRetryAfter', fallback: number, whole: boolean): number =>
    checkNumber(WHERE, options[name], name, fallback, 0, whole, true);
  return {
    ...resolveBackoff(options),
    maxAttempts: count('maxAttempts', Infinity, true),
    resetAfter: count('resetAfter', DEFAULT_RESET_AFTER, false),
    connectTimeout: count('connectTimeout', DEFAULT_CONNECT_TIMEOUT, false),
    shouldReconnect: options.shouldReconnect ?? defaultShouldReconnect,
    retryAfter: options.retryAfter ?? defaultRetryAfter,
    maxRetryAfter: count('maxRetryAfter', DEFAULT_MAX_RETRY_AFTER, false),
    scheduler,
    random: options.random ?? Math.random,
    network: options.network === false ? undefined : (options.network ?? defaultNetwork()),
  };
}
