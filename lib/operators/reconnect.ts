// reconnect(): the reconnect policy as a pipeable operator. On a WebSocketSubject (or a stream
// derived from one: multiplex(), channel(), request(), or the subject piped through ordinary
// operators) one coordinator per subject owns the schedule, so every reconnecting subscriber
// shares one timer and one socket; on any other observable it resubscribes on its own.
import { Observable, Subscription, type MonoTypeOperatorFunction, type Observer, type SchedulerLike, type Subscriber } from 'rxjs';
import { WebSocketSubject } from '../subject/web-socket-subject.js';
import { reconnectHostOf, type ReconnectHooks, type ReconnectHost } from '../subject/reconnect-host.js';
import type { WebSocketCloseError } from '../subject/close-error.js';
import { subjectOf } from '../subject/topics.js';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.js';
import { COMPLETED, causeOf, defaultShouldReconnect, type ReconnectCause } from './reconnect-cause.js';
import { defaultNetwork, type NetworkStatus } from './network.js';

/**
 * The options of {@link reconnect}; every one has a default.
 *
 * @example
 * socket.pipe(reconnect({
 *   initialDelay: 500, maxDelay: 10_000,         // full jitter, 500 ms → 10 s cap
 *   maxAttempts: 20, resetAfter: 5_000, connectTimeout: 8_000,
 *   shouldReconnect: (cause, attempt) => cause.code !== 4401 && defaultShouldReconnect(cause, attempt),
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

interface Policy {
  readonly backoff: Required<BackoffOptions>;
  readonly maxAttempts: number;
  readonly resetAfter: number;
  readonly connectTimeout: number;
  readonly shouldReconnect: (cause: ReconnectCause, attempt: number) => boolean;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly network: NetworkStatus | undefined;
}

const OPTION_KEYS = new Set([
  'initialDelay',
  'maxDelay',
  'factor',
  'jitter',
  'maxAttempts',
  'resetAfter',
  'connectTimeout',
  'shouldReconnect',
  'scheduler',
  'random',
  'network',
]);

/** While offline, how often (ms, at least) connectivity is looked at again, for platforms that send no `online` event. */
const OFFLINE_RECHECK = 1000;

/** The default `resetAfter` (ms). */
export const DEFAULT_RESET_AFTER = 5000;
/** The default `connectTimeout` (ms). */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

function resolvePolicy(options: ReconnectOptions): Policy {
  if (options === null || typeof options !== 'object') throw new TypeError('reconnect(): options must be an object.');
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw new TypeError(`reconnect(): unknown option '${key}'.`);
  const count = (value: number | undefined, name: string, fallback: number, integer: boolean): number => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (integer && v !== Infinity && !Number.isInteger(v))) {
      throw new TypeError(`reconnect(): '${name}' must be ${integer ? 'a whole number' : 'a number'} >= 0 or Infinity, not ${String(v)}.`);
    }
    return v;
  };
  for (const name of ['shouldReconnect', 'random'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`reconnect(): '${name}' must be a function.`);
  }
  const scheduler = options.scheduler ?? timerScheduler;
  if (typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') throw new TypeError(`reconnect(): 'scheduler' must be an RxJS SchedulerLike.`);
  return {
    backoff: resolveBackoff(options),
    maxAttempts: count(options.maxAttempts, 'maxAttempts', Infinity, true),
    resetAfter: count(options.resetAfter, 'resetAfter', DEFAULT_RESET_AFTER, false),
    connectTimeout: count(options.connectTimeout, 'connectTimeout', DEFAULT_CONNECT_TIMEOUT, false),
    shouldReconnect: options.shouldReconnect ?? defaultShouldReconnect,
    scheduler,
    random: options.random ?? Math.random,
    network: options.network === false ? undefined : (options.network ?? defaultNetwork()),
  };
}

/**
 * Reconnects the stream it is applied to whenever its connection ends, with exponential backoff
 * and full jitter (per attempt and per client), a flap guard (`resetAfter`), a connect timeout,
 * a close-code policy (`shouldReconnect`), `maxAttempts`, and connectivity awareness.
 *
 * On a `WebSocketSubject`, or a stream derived from one (`multiplex()`, `channel()`,
 * `request()`, or the subject through `map`/`filter`/...), it finds the subject and:
 * - reports on the subject's `state$` (`'reconnecting'`, `'exhausted'`) and `status$` (with
 *   `attempt`, `delay`, `at` and `cause`);
 * - shares one schedule per subject: all its reconnecting subscribers wait on one timer and join
 *   one socket (the first subscriber's options set the schedule);
 * - never reconnects after the client's own close (`close()`, `complete()`, `error()`,
 *   `unsubscribe()` on the subject, which also cancel a pending retry);
 * - resends what `next()` queued while disconnected on the next connection, in order, after the
 *   `handshake`.
 *
 * The stream errors with the last cause when `shouldReconnect` says no or `maxAttempts` is spent
 * (then `state$` says `'exhausted'`); it completes when the connection ended normally (the
 * client's own close, or a server's clean 1000 unless `shouldReconnect` wants it). Subscribing
 * again starts afresh. On other observables it resubscribes after errors (and after completion if
 * `shouldReconnect` says so for `kind: 'complete'`), without state reporting.
 *
 * @example
 * const socket = webSocket<Command, Update>({ url, heartbeat: true });
 * socket.pipe(reconnect()).subscribe((update) => render(update));
 * socket.status$.subscribe((s) => s.state === 'reconnecting' && showBanner(s.attempt, s.delay));
 */
export function reconnect<T>(options: ReconnectOptions = {}): MonoTypeOperatorFunction<T> {
  const policy = resolvePolicy(options);
  return (source) => {
    const subject = findSubject(source);
    return new Observable<T>((subscriber) => {
      if (subject !== undefined) {
        const core = reconnectHostOf(subject)!;
        let coordinator = core.reconnectHooks;
        if (!(coordinator instanceof SubjectReconnector)) coordinator = new SubjectReconnector(core, subject);
        return (coordinator as SubjectReconnector).register(policy, source, subscriber as Subscriber<unknown>);
      }
      return resubscribing(policy, source, subscriber);
    });
  };
}

/** The subject behind `source`: the subject itself, a stream marked by multiplex()/channel()/request(), or either through lifted operators. */
function findSubject(source: Observable<unknown>): WebSocketSubject<unknown, unknown> | undefined {
  let current: unknown = source;
  for (let depth = 0; depth < 64 && current != null; depth++) {
    if (current instanceof WebSocketSubject) return current as WebSocketSubject<unknown, unknown>;
    const marked = subjectOf(current);
    if (marked instanceof WebSocketSubject) return marked as WebSocketSubject<unknown, unknown>;
    current = (current as { source?: unknown }).source; // rxjs 7's lift() keeps the source
  }
  return undefined;
}

function decide(policy: Policy, cause: ReconnectCause, attempt: number): boolean | 'exhausted' {
  if (attempt > policy.maxAttempts) return 'exhausted';
  return policy.shouldReconnect(cause, attempt);
}

// ---- the schedule shared by both ------------------------------------------------------------

/** One pending attempt: its timer, and what it is waiting for (the delay, then connectivity). */
class Pending {
  timer: Subscription | undefined = undefined;
  constructor(
    readonly attempt: number,
    readonly delay: number,
    readonly cause: ReconnectCause,
  ) {}
}

/** Connectivity listening while something is reconnecting. */
class NetworkWatch {
  readonly #network: NetworkStatus;
  readonly #online = (): void => this.onOnline();
  constructor(
    network: NetworkStatus,
    private readonly onOnline: () => void,
  ) {
    this.#network = network;
    network.addEventListener('online', this.#online);
  }
  get offline(): boolean {
    return this.#network.onLine === false;
  }
  stop(): void {
    this.#network.removeEventListener('online', this.#online);
  }
}

// ---- on a subject -----------------------------------------------------------------------------

type Decision = 'retry' | 'stop';

/** One subscription of a `reconnect()`ed rxws stream. */
class Registration {
  inner: Subscription | undefined = undefined;
  waiting = false;
  done = false;
  /** Its own attempts at the stream (for ends that are not the connection's, e.g. a channel error). */
  localAttempts = 0;
  localTimer: Subscription | undefined = undefined;

  constructor(
    readonly coordinator: SubjectReconnector,
    readonly policy: Policy,
    readonly source: Observable<unknown>,
    readonly outer: Subscriber<unknown>,
  ) {}

  subscribeSource(): void {
    if (this.done) return;
    this.waiting = false;
    this.inner = undefined;
    const observer: Observer<unknown> = {
      next: (value) => this.outer.next(value),
      error: (error: unknown) => this.ended(error, true),
      complete: () => this.ended(undefined, false),
    };
    const subscription = this.source.subscribe(observer);
    if (!this.done && !this.waiting && this.inner === undefined) this.inner = subscription;
    else if (this.done) subscription.unsubscribe();
  }

  ended(value: unknown, isError: boolean): void {
    this.inner = undefined;
    if (this.done) return;
    const coordinator = this.coordinator;
    if (coordinator.connectionDown()) {
      if (coordinator.decision === 'retry') {
        this.waiting = true;
        coordinator.waiterAdded(this);
        return;
      }
      this.finish(value, isError);
      return;
    }
    // The stream ended while its connection is up (a channel the server ended or failed): its
    // own decision, its own delay; it resubscribes on the same connection.
    const cause = isError ? causeOf(value) : COMPLETED;
    const attempt = this.localAttempts + 1;
    let verdict: boolean | 'exhausted';
    try {
      verdict = decide(this.policy, cause, attempt);
    } catch (error) {
      this.finish(error, true);
      return;
    }
    if (verdict !== true) {
      this.finish(value, isError);
      return;
    }
    this.localAttempts = attempt;
    const delay = backoffDelay(attempt, this.policy.backoff, this.policy.random);
    this.localTimer = this.policy.scheduler.schedule(() => {
      this.localTimer = undefined;
      this.subscribeSource();
    }, delay);
  }

  finish(value: unknown, isError: boolean): void {
    if (this.done) return;
    this.done = true;
    this.coordinator.unregister(this);
    if (isError) this.outer.error(value);
    else this.outer.complete();
  }

  teardown(): void {
    this.done = true;
    this.localTimer?.unsubscribe();
    this.localTimer = undefined;
    const inner = this.inner;
    this.inner = undefined;
    inner?.unsubscribe();
  }
}

/**
 * The reconnect coordinator of one subject: attached while any reconnect() subscription is, it
 * keeps one "driver" subscription to the subject (which opens the connections; streams such as
 * multiplexed topics wait for it), decides once per connection end, and owns the only timers.
 */
class SubjectReconnector implements ReconnectHooks {
  readonly registrations: Registration[] = [];
  /** Failed connections since the last stable one (or the fresh start). */
  attempts = 0;
  decision: Decision = 'stop';
  pending: Pending | undefined = undefined;
  driver: Subscription | undefined = undefined;
  #subscribingDriver = false;
  #connectTimer: Subscription | undefined = undefined;
  #stableTimer: Subscription | undefined = undefined;
  #release: (() => void) | undefined = undefined;
  #network: NetworkWatch | undefined = undefined;
  readonly #driverObserver: Partial<Observer<unknown>> = { error: () => undefined, complete: () => undefined };

  constructor(
    readonly core: ReconnectHost,
    readonly subject: WebSocketSubject<unknown, unknown>,
  ) {}

  get leader(): Policy {
    return this.registrations[0]!.policy;
  }

  register(policy: Policy, source: Observable<unknown>, outer: Subscriber<unknown>): () => void {
    const registration = new Registration(this, policy, source, outer);
    if (this.registrations.length === 0) this.attach(policy);
    this.registrations.push(registration);
    if (this.pending === undefined) this.ensureDriver();
    if (this.pending !== undefined) {
      // A retry is already scheduled: wait for it (subscribing now would connect at once).
      registration.waiting = true;
    } else {
      registration.subscribeSource();
    }
    return () => {
      registration.teardown();
      this.unregister(registration);
    };
  }

  attach(policy: Policy): void {
    this.core.reconnectHooks = this;
    this.attempts = 0;
    this.decision = 'stop';
    this.#release = this.core.holdForReconnect();
    if (policy.network !== undefined) this.#network = new NetworkWatch(policy.network, () => this.online());
  }

  unregister(registration: Registration): void {
    const index = this.registrations.indexOf(registration);
    if (index < 0) return;
    this.registrations.splice(index, 1);
    if (this.registrations.length > 0) return;
    // The last one left: detach everything.
    this.cancelPending();
    this.clearConnectionTimers();
    this.#network?.stop();
    this.#network = undefined;
    if (this.core.reconnectHooks === this) this.core.reconnectHooks = undefined;
    this.core.attempt = 0;
    if (this.core.state === 'reconnecting') this.core.setState('closed');
    const driver = this.driver;
    this.driver = undefined;
    this.releaseHold();
    driver?.unsubscribe();
  }

  releaseHold(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** Whether the subject has no connection up (an end a subscriber sees now is the connection's). */
  connectionDown(): boolean {
    const state = this.core.state;
    return state !== 'open' && state !== 'connecting' && state !== 'closing';
  }

  ensureDriver(): void {
    if (this.driver !== undefined || this.#subscribingDriver || this.registrations.length === 0) return;
    this.#subscribingDriver = true;
    try {
      const driver = this.subject.subscribe(this.#driverObserver);
      if (!driver.closed) this.driver = driver;
    } finally {
      this.#subscribingDriver = false;
    }
  }

  waiterAdded(registration: Registration): void {
    // A connection is already underway (someone subscribed meanwhile): join it now.
    if (this.pending === undefined && !this.connectionDown()) registration.subscribeSource();
  }

  // ---- hooks from the core ------------------------------------------------------------------

  connecting(): void {
    if (this.registrations.length === 0) return;
    this.cancelPending(); // someone else started a connection: no need to wait any longer
    this.clearConnectionTimers();
    const { connectTimeout, scheduler } = this.leader;
    if (connectTimeout !== Infinity) {
      this.#connectTimer = scheduler.schedule(() => {
        this.#connectTimer = undefined;
        this.core.abortCurrent('timeout');
      }, connectTimeout);
    }
    this.ensureDriver();
    for (const registration of [...this.registrations]) if (registration.waiting) registration.subscribeSource();
  }

  ready(): void {
    if (this.registrations.length === 0) return;
    this.clearConnectionTimers();
    const { resetAfter, scheduler } = this.leader;
    this.#stableTimer = scheduler.schedule(() => {
      this.#stableTimer = undefined;
      this.attempts = 0; // stayed up long enough: the next failure is attempt 1 again
    }, resetAfter);
  }

  ended(error: WebSocketCloseError, byClient: boolean): void {
    this.clearConnectionTimers();
    this.driver = undefined; // it hears of the end right after this
    if (this.registrations.length === 0) return;
    if (byClient) {
      this.stop();
      return;
    }
    const attempt = this.attempts + 1;
    let verdict: boolean | 'exhausted';
    try {
      verdict = decide(this.leader, error, attempt);
    } catch (thrown) {
      reportLater(thrown);
      verdict = false;
    }
    if (verdict === true) {
      this.attempts = attempt;
      this.decision = 'retry';
      this.schedule(attempt, error);
      return;
    }
    if (verdict === 'exhausted') this.core.setStatus({ state: 'exhausted', attempt: this.attempts, cause: error });
    this.stop();
  }

  userClosed(): void {
    if (this.registrations.length === 0) return;
    const hadPending = this.pending !== undefined;
    this.stop();
    if (hadPending && this.core.state === 'reconnecting') this.core.setState('closed');
    // Subscribers waiting for the next connection end here: the user closed.
    for (const registration of [...this.registrations]) if (registration.waiting) registration.finish(undefined, false);
  }

  now(): void {
    const pending = this.pending;
    if (pending !== undefined) {
      this.fire(pending, true);
      return;
    }
    if (this.connectionDown() && this.registrations.some((r) => r.waiting)) {
      this.attempts = 0;
      this.decision = 'retry';
      this.ensureDriver();
    }
  }

  // ---- the schedule ---------------------------------------------------------------------------

  stop(): void {
    this.decision = 'stop';
    this.cancelPending();
    this.clearConnectionTimers();
    // Streams held across connections (multiplexed topics) now end as the connection did.
    this.releaseHold();
  }

  schedule(attempt: number, cause: ReconnectCause): void {
    this.cancelPending();
    const { backoff, random, scheduler } = this.leader;
    const delay = backoffDelay(attempt, backoff, random);
    const pending = new Pending(attempt, delay, cause);
    this.pending = pending;
    this.core.setStatus({ state: 'reconnecting', attempt, delay, at: scheduler.now() + delay, cause });
    pending.timer = scheduler.schedule(() => {
      pending.timer = undefined;
      this.fire(pending, false);
    }, delay);
  }

  fire(pending: Pending, force: boolean): void {
    if (this.pending !== pending) return;
    if (!force && this.#network?.offline === true) {
      // The 'online' event fires it; and where none comes (Chromium's workers see onLine change
      // but no event), a look again now and then, so an attempt never waits forever.
      pending.timer = this.leader.scheduler.schedule(() => {
        pending.timer = undefined;
        this.fire(pending, false);
      }, Math.max(pending.delay, OFFLINE_RECHECK));
      return;
    }
    pending.timer?.unsubscribe();
    this.pending = undefined;
    this.core.attempt = pending.attempt;
    this.ensureDriver(); // connecting() then resubscribes the waiting subscribers
    if (!this.connectionDown()) for (const registration of [...this.registrations]) if (registration.waiting) registration.subscribeSource();
  }

  online(): void {
    this.attempts = 0; // the failures were the network's
    const pending = this.pending;
    if (pending !== undefined) this.fire(pending, true);
  }

  cancelPending(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    pending.timer?.unsubscribe();
  }

  clearConnectionTimers(): void {
    this.#connectTimer?.unsubscribe();
    this.#connectTimer = undefined;
    this.#stableTimer?.unsubscribe();
    this.#stableTimer = undefined;
  }
}

// ---- on any other observable ------------------------------------------------------------------

/** reconnect() on a plain observable: resubscribes it after each end the policy accepts. */
function resubscribing<T>(policy: Policy, source: Observable<T>, outer: Subscriber<T>): () => void {
  let attempts = 0;
  let inner: Subscription | undefined;
  let timer: Subscription | undefined;
  let stable: Subscription | undefined;
  let pending: { attempt: number } | undefined;
  let done = false;
  const { scheduler } = policy;
  const network = policy.network === undefined ? undefined : new NetworkWatch(policy.network, () => {
    attempts = 0;
    if (pending !== undefined) fire();
  });

  const fire = (): void => {
    timer?.unsubscribe();
    timer = undefined;
    pending = undefined;
    subscribe();
  };

  const ended = (value: unknown, isError: boolean): void => {
    inner = undefined;
    stable?.unsubscribe();
    stable = undefined;
    if (done) return;
    const cause = isError ? causeOf(value) : COMPLETED;
    const attempt = attempts + 1;
    let verdict: boolean | 'exhausted';
    try {
      verdict = decide(policy, cause, attempt);
    } catch (error) {
      value = error;
      isError = true;
      verdict = false;
    }
    if (verdict !== true) {
      done = true;
      network?.stop();
      if (isError) outer.error(value);
      else outer.complete();
      return;
    }
    attempts = attempt;
    pending = { attempt };
    const delay = backoffDelay(attempt, policy.backoff, policy.random);
    const attemptOrWait = (): void => {
      timer = undefined;
      if (network?.offline === true) {
        // the 'online' event fires it, or the next look (see OFFLINE_RECHECK)
        timer = scheduler.schedule(attemptOrWait, Math.max(delay, OFFLINE_RECHECK));
        return;
      }
      fire();
    };
    timer = scheduler.schedule(attemptOrWait, delay);
  };

  const subscribe = (): void => {
    if (done) return;
    let first = true;
    let endedSynchronously = false;
    const subscription = source.subscribe({
      next: (value) => {
        if (first) {
          first = false;
          // The first value is this plain stream's "open": it must then last resetAfter ms.
          stable = scheduler.schedule(() => {
            stable = undefined;
            attempts = 0;
          }, policy.resetAfter);
        }
        outer.next(value);
      },
      error: (error: unknown) => {
        endedSynchronously = true;
        ended(error, true);
      },
      complete: () => {
        endedSynchronously = true;
        ended(undefined, false);
      },
    });
    if (!endedSynchronously) inner = subscription;
  };

  subscribe();
  return () => {
    done = true;
    network?.stop();
    timer?.unsubscribe();
    stable?.unsubscribe();
    inner?.unsubscribe();
  };
}

function reportLater(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
