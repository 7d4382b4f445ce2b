// reconnect() on a subject (or a stream derived from one): what a subject's ReconnectHost adds to
// the shared schedule. One coordinator per subject, attached while any reconnect() subscription
// is: it keeps one "driver" subscription to the subject (which opens the connections; streams
// such as multiplexed topics wait for it), decides once per connection end with one
// RetrySchedule, reports on state$/status$, times out slow connections through the host, and
// holds the subject's topics across connections.
import type { Observable, Observer, Subscriber, Subscription } from 'rxjs';
import type { ReconnectHooks, ReconnectHost } from '../subject/reconnect-host.js';
import { abortCurrent } from '../subject/abort.js';
import type { WebSocketCloseError } from '../subject/close-error.js';
import { COMPLETED, causeOf } from './reconnect-cause.js';
import type { Policy } from './reconnect-policy.js';
import { RetrySchedule, type PendingAttempt } from './reconnect-schedule.js';

/**
 * The brand of a coordinator (`Symbol.for`, so the CommonJS and ESM builds loaded in one process
 * share one coordinator per subject instead of replacing each other's).
 */
const kCoordinator: unique symbol = Symbol.for('rxws.reconnectCoordinator') as never;

/** @internal The coordinator attached to `host`, or a new one (attached when its first subscriber registers). */
export function coordinatorOf(host: ReconnectHost, subject: Observable<unknown>): SubjectReconnector {
  const hooks = host.reconnectHooks as { [kCoordinator]?: unknown } | undefined;
  if (hooks !== undefined && hooks[kCoordinator] === true) return hooks as SubjectReconnector;
  return new SubjectReconnector(host, subject);
}

type Decision = 'retry' | 'stop';

/** One subscription of a `reconnect()`ed rxws stream. */
class Registration {
  inner: Subscription | undefined = undefined;
  waiting = false;
  done = false;
  /** Its own retries of the stream, for ends that are not the connection's (e.g. a channel error). */
  #local: RetrySchedule | undefined = undefined;

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
    const local = (this.#local ??= new RetrySchedule(this.policy, () => this.subscribeSource(), undefined));
    let verdict: boolean | 'exhausted';
    try {
      verdict = local.decide(cause);
    } catch (error) {
      this.finish(error, true);
      return;
    }
    if (verdict !== true) {
      this.finish(value, isError);
      return;
    }
    local.retry(cause);
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
    this.#local?.dispose();
    const inner = this.inner;
    this.inner = undefined;
    inner?.unsubscribe();
  }
}

/** @internal See the file's header. */
export class SubjectReconnector implements ReconnectHooks {
  readonly [kCoordinator] = true;
  readonly registrations: Registration[] = [];
  decision: Decision = 'stop';
  driver: Subscription | undefined = undefined;
  #schedule: RetrySchedule | undefined = undefined;
  #subscribingDriver = false;
  #release: (() => void) | undefined = undefined;
  readonly #driverObserver: Partial<Observer<unknown>> = { error: () => undefined, complete: () => undefined };

  constructor(
    readonly host: ReconnectHost,
    readonly subject: Observable<unknown>,
  ) {}

  /** The schedule; it exists from the first registration on (hooks come only while attached). */
  get schedule(): RetrySchedule {
    return this.#schedule!;
  }

  register(policy: Policy, source: Observable<unknown>, outer: Subscriber<unknown>): () => void {
    const registration = new Registration(this, policy, source, outer);
    if (this.registrations.length === 0) this.attach(policy);
    this.registrations.push(registration);
    if (this.schedule.pending === undefined) this.ensureDriver();
    if (this.schedule.pending !== undefined) {
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
    // The first subscriber's options set the schedule (its network too).
    this.#schedule = new RetrySchedule(policy, (pending) => this.attemptDue(pending), policy.network);
    this.host.reconnectHooks = this;
    this.decision = 'stop';
    this.#release = this.host.holdForReconnect();
  }

  unregister(registration: Registration): void {
    const index = this.registrations.indexOf(registration);
    if (index < 0) return;
    this.registrations.splice(index, 1);
    if (this.registrations.length > 0) {
      if (index === 0) this.schedule.policy = this.registrations[0]!.policy;
      return;
    }
    // The last one left: detach everything.
    this.schedule.dispose();
    if (this.host.reconnectHooks === this) this.host.reconnectHooks = undefined;
    this.host.attempt = 0;
    if (this.host.state === 'reconnecting') this.host.setState('closed');
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
    const state = this.host.state;
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
    if (this.schedule.pending === undefined && !this.connectionDown()) registration.subscribeSource();
  }

  resubscribeWaiting(): void {
    for (const registration of [...this.registrations]) if (registration.waiting) registration.subscribeSource();
  }

  // ---- hooks from the host ------------------------------------------------------------------

  connecting(): void {
    if (this.registrations.length === 0) return;
    this.schedule.cancel(); // someone else started a connection: no need to wait any longer
    this.schedule.connecting(() => abortCurrent(this.subject, 'timeout'));
    this.ensureDriver();
    this.resubscribeWaiting();
  }

  ready(): void {
    if (this.registrations.length === 0) return;
    this.schedule.opened();
  }

  ended(error: WebSocketCloseError, byClient: boolean): void {
    this.#schedule?.connectionEnded();
    this.driver = undefined; // it hears of the end right after this
    if (this.registrations.length === 0) return;
    if (byClient) {
      this.stop();
      return;
    }
    let verdict: boolean | 'exhausted';
    try {
      verdict = this.schedule.decide(error);
    } catch (thrown) {
      reportLater(thrown);
      verdict = false;
    }
    if (verdict === true) {
      this.decision = 'retry';
      const { scheduler } = this.schedule.policy;
      this.schedule.retry(error, ({ attempt, delay }) =>
        this.host.setStatus({ state: 'reconnecting', attempt, delay, at: scheduler.now() + delay, cause: error }),
      );
      return;
    }
    if (verdict === 'exhausted') this.host.setStatus({ state: 'exhausted', attempt: this.schedule.attempts, cause: error });
    this.stop();
  }

  userClosed(): void {
    if (this.registrations.length === 0) return;
    const hadPending = this.schedule.pending !== undefined;
    this.stop();
    if (hadPending && this.host.state === 'reconnecting') this.host.setState('closed');
    // Subscribers waiting for the next connection end here: the user closed.
    for (const registration of [...this.registrations]) if (registration.waiting) registration.finish(undefined, false);
  }

  now(): void {
    if (this.registrations.length === 0) return;
    const pending = this.schedule.pending;
    if (pending !== undefined) {
      this.schedule.fire(pending, true);
      return;
    }
    if (this.connectionDown() && this.registrations.some((r) => r.waiting)) {
      this.schedule.attempts = 0;
      this.decision = 'retry';
      this.ensureDriver();
    }
  }

  // ---- the schedule's side ------------------------------------------------------------------

  stop(): void {
    this.decision = 'stop';
    this.schedule.cancel();
    this.schedule.connectionEnded();
    // Streams held across connections (multiplexed topics) now end as the connection did.
    this.releaseHold();
  }

  /** The pending attempt's time came: connect (connecting() then resubscribes the waiting subscribers). */
  attemptDue(pending: PendingAttempt): void {
    this.host.attempt = pending.attempt;
    this.ensureDriver();
    if (!this.connectionDown()) this.resubscribeWaiting();
  }
}

function reportLater(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
