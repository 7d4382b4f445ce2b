// reconnect() on a subject (or a stream derived from one): what a subject's ReconnectHost adds to
// the shared schedule. One coordinator per subject, attached while any reconnect() subscription
// is: it keeps one "driver" subscription to the subject (which opens the connections; streams
// such as multiplexed topics wait for it), decides once per connection end with one
// RetrySchedule, reports on state$/status$, times out slow connections through the host, and
// holds the subject's topics across connections.
import type { Observable, Subscriber, Subscription } from 'rxjs';
import type { ReconnectHooks, ReconnectHost } from '../subject/reconnect-host.js';
import { abortCurrent } from '../subject/abort.js';
import type { WebSocketCloseError } from '../subject/close-error.js';
import type { Policy } from './reconnect-policy.js';
import { RetrySchedule, type PendingAttempt } from './reconnect-schedule.js';

/**
 * The brand of a coordinator (`Symbol.for`, so the CommonJS and ESM builds loaded in one process
 * share one coordinator per subject instead of replacing each other's).
 */
const kCoordinator: unique symbol = Symbol.for('rxws.reconnectCoordinator') as never;

/** The driver's observer: the connection's end reaches the coordinator through the host's hooks. */
const IGNORE_END = { error: () => undefined };

/**
 * @internal The coordinator attached to `host`, or a new one, attached at once (the first
 * subscriber's `policy` sets its schedule).
 */
export function coordinatorOf(host: ReconnectHost, subject: Observable<unknown>, policy: Policy): SubjectReconnector {
  const hooks = host.reconnectHooks as { [kCoordinator]?: unknown } | undefined;
  if (hooks !== undefined && hooks[kCoordinator] === true) return hooks as SubjectReconnector;
  return new SubjectReconnector(host, subject, policy);
}

/** One subscription of a `reconnect()`ed rxws stream, as its coordinator sees it. */
interface Registration {
  readonly policy: Policy;
  /** It ended with its connection and resubscribes when the next one starts. */
  waiting: boolean;
  /** Subscribes the stream (again). */
  subscribe(): void;
  /** Ends the subscriber (with the error `value` if `isError`, else it completes) and unregisters it. */
  finish(value: unknown, isError: boolean): void;
}

/** @internal See the file's header. */
export class SubjectReconnector implements ReconnectHooks {
  readonly [kCoordinator] = true;
  readonly #host: ReconnectHost;
  readonly #subject: Observable<unknown>;
  /** In subscription order; never empty while attached (the last one to leave detaches). */
  readonly #registrations: Registration[] = [];
  /** Whether the last connection end scheduled a retry (so a subscriber that ends waits for it). */
  #retrying = false;
  /** The subscription to the subject that opens its connections. */
  #driver: Subscription | undefined = undefined;
  readonly #schedule: RetrySchedule;
  #subscribingDriver = false;
  /** Ends the hold on the subject's topics (idempotent). */
  readonly #release: () => void;

  constructor(host: ReconnectHost, subject: Observable<unknown>, policy: Policy) {
    this.#host = host;
    this.#subject = subject;
    this.#schedule = new RetrySchedule(policy, (pending) => this.#attemptDue(pending), policy.network);
    host.reconnectHooks = this;
    this.#release = host.holdForReconnect();
  }

  register(policy: Policy, source: Observable<unknown>, outer: Subscriber<unknown>): () => void {
    let inner: Subscription | undefined;
    let done = false;
    /** Its own retries of the stream, for ends that are not the connection's (e.g. a channel error). */
    let local: RetrySchedule | undefined;
    const registration: Registration = {
      policy,
      waiting: false,
      subscribe: () => {
        if (done) return;
        registration.waiting = false;
        inner = undefined;
        const subscription = source.subscribe({
          next: (value) => outer.next(value),
          error: (error: unknown) => ended(error, true),
          complete: () => ended(undefined, false),
        });
        if (done) subscription.unsubscribe();
        else if (!registration.waiting && inner === undefined) inner = subscription;
      },
      finish: (value, isError) => {
        if (done) return;
        done = true;
        this.#unregister(registration);
        if (isError) outer.error(value);
        else outer.complete();
      },
    };
    const ended = (value: unknown, isError: boolean): void => {
      inner = undefined;
      if (done) return;
      if (!this.#connectionDown()) {
        // The stream ended while its connection is up (a channel the server ended or failed): its
        // own decision, its own delay; it resubscribes on the same connection.
        (local ??= new RetrySchedule(policy, registration.subscribe)).retryOrFinish(value, isError, registration.finish);
      } else if (this.#retrying) registration.waiting = true;
      else registration.finish(value, isError);
    };

    this.#registrations.push(registration);
    if (this.#schedule.pending === undefined) this.#ensureDriver();
    // A retry already scheduled: wait for it (subscribing now would connect at once).
    if (this.#schedule.pending !== undefined) registration.waiting = true;
    else registration.subscribe();
    return () => {
      done = true;
      local?.dispose();
      inner?.unsubscribe();
      this.#unregister(registration);
    };
  }

  #unregister(registration: Registration): void {
    const registrations = this.#registrations;
    const host = this.#host;
    const index = registrations.indexOf(registration);
    if (index < 0) return;
    registrations.splice(index, 1);
    if (registrations.length > 0) {
      if (index === 0) this.#schedule.policy = registrations[0]!.policy;
      return;
    }
    // The last one left: detach everything.
    this.#schedule.dispose();
    if (host.reconnectHooks === this) host.reconnectHooks = undefined;
    host.attempt = 0;
    if (host.state === 'reconnecting') host.setState('closed');
    const driver = this.#driver;
    this.#driver = undefined;
    this.#release();
    driver?.unsubscribe();
  }

  /** Whether the subject has no connection up (an end a subscriber sees now is the connection's). */
  #connectionDown(): boolean {
    const state = this.#host.state;
    return state !== 'open' && state !== 'connecting' && state !== 'closing';
  }

  #ensureDriver(): void {
    if (this.#driver !== undefined || this.#subscribingDriver) return; // (called only while attached: some registration is there)
    this.#subscribingDriver = true;
    try {
      const driver = this.#subject.subscribe(IGNORE_END);
      if (!driver.closed) this.#driver = driver;
    } finally {
      this.#subscribingDriver = false;
    }
  }

  /** Resubscribes (`finish` false) or ends (`finish` true) the subscribers waiting for the next connection. */
  #endWaiting(finish: boolean): void {
    for (const registration of [...this.#registrations]) {
      if (registration.waiting) {
        if (finish) registration.finish(undefined, false);
        else registration.subscribe();
      }
    }
  }

  // ---- hooks from the host (attached only while a registration is) ------------------------

  connecting(): void {
    this.#schedule.connecting(() => abortCurrent(this.#subject, 'timeout'));
    this.#ensureDriver();
    this.#endWaiting(false);
  }

  ready(): void {
    this.#schedule.opened();
  }

  ended(error: WebSocketCloseError, byClient: boolean): void {
    const schedule = this.#schedule;
    const host = this.#host;
    schedule.connectionEnded();
    this.#driver = undefined; // it hears of the end right after this
    if (byClient) {
      this.#stop();
      return;
    }
    let verdict: boolean | 'exhausted';
    try {
      verdict = schedule.decide(error);
      if (verdict === true) {
        const { scheduler } = schedule.policy;
        // (the status carries what the `reconnect` lifecycle event reports: lib/subject/lifecycle.ts)
        // (not `tracer?.(…, setStatus(…))`: without a tracer, as in browsers, the arguments are not evaluated)
        schedule.retry(error, ({ attempt, delay, reason }) => {
          const status = host.setStatus({ state: 'reconnecting', attempt, delay, at: scheduler.now() + delay, cause: error, reason });
          host.tracer?.('reconnect', status);
        });
        this.#retrying = true;
        return;
      }
    } catch (thrown) {
      // (shouldReconnect or retryAfter threw)
      setTimeout(() => {
        throw thrown; // reported, as nobody is there to hear it
      });
      verdict = false;
    }
    if (verdict === 'exhausted') host.setStatus({ state: 'exhausted', attempt: schedule.attempts, cause: error });
    this.#stop();
  }

  userClosed(): void {
    const hadPending = this.#schedule.pending !== undefined;
    this.#stop();
    if (hadPending && this.#host.state === 'reconnecting') this.#host.setState('closed');
    this.#endWaiting(true); // the user closed: no next connection
  }

  now(): void {
    const pending = this.#schedule.pending;
    if (pending !== undefined) {
      this.#schedule.fire(pending, true);
      return;
    }
    if (this.#connectionDown() && this.#registrations.some((r) => r.waiting)) {
      this.#schedule.attempts = 0;
      this.#retrying = true;
      this.#ensureDriver();
    }
  }

  // ---- the schedule's side ------------------------------------------------------------------

  #stop(): void {
    this.#retrying = false;
    this.#schedule.cancel();
    this.#schedule.connectionEnded();
    // Streams held across connections (multiplexed topics) now end as the connection did.
    this.#release();
  }

  /** The pending attempt's time came: connect (connecting() then resubscribes the waiting subscribers). */
  #attemptDue(pending: PendingAttempt): void {
    this.#host.attempt = pending.attempt;
    this.#ensureDriver();
    if (!this.#connectionDown()) this.#endWaiting(false);
  }
}
