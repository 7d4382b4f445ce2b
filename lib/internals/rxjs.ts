// Every place where rxws relies on rxjs's private state, each behind one named function. A probe
// checks that rxjs still has the shape a function relies on and records the answer in `probes`;
// when a probe fails the function takes its fallback, which is correct (if slower or less
// capable). `liftedSource` is probed on first use (only reconnect() needs it, so a plain
// webSocket() bundles none of it); `directSubscriber` at load (every subscribe() asks).
// Tests force a fallback by setting `probes.<name> = false` (and restoring it).
//
// Layout, one section per function (its probe, then the function), and `probes` last: the probes
// run at load, once the class they try is defined.
import { Observable, Subscriber, map, type Observer, type Unsubscribable } from 'rxjs';
import { reportUnhandledError } from '../common/report-unhandled.js';

// ---- liftedSourceOf ---------------------------------------------------------------------------

function probeLiftedSource(): boolean {
  try {
    const origin = new Observable<never>();
    return (origin.pipe(map((x) => x)) as { source?: unknown }).source === origin;
  } catch {
    return false;
  }
}

/**
 * @internal The observable `observable` was made from by an operator (rxjs 7's `lift()` keeps it
 * in the deprecated, internal `source` field), or `undefined` if it was not made that way or rxjs
 * no longer keeps it.
 *
 * What it buys: `reconnect()` finds the subject behind `subject.pipe(map(...), filter(...))` and
 * so reconnects it as it does the subject itself (one shared schedule, `state$`/`status$`
 * reporting, the connect timeout, topics held across connections). Reading one field per operator
 * costs nothing measurable, once per `pipe(reconnect())`.
 *
 * If rxjs changes: rxjs 8 drops `lift()`, so operators no longer keep `source`; the probe then
 * fails and this returns `undefined`. `reconnect()` on `subject.pipe(map(...))` then falls back to
 * resubscribing the stream (which reconnects the subject, without state reporting, connect timeout
 * or a shared schedule); `reconnect()` applied to the subject itself, or to `multiplex()`,
 * `channel()` and `request()` streams (marked with `kSubject`), is unaffected.
 */
export function liftedSourceOf(observable: unknown): unknown {
  if (!(probes.liftedSource ??= probeLiftedSource()) || observable === null || typeof observable !== 'object') return undefined;
  return (observable as { source?: unknown }).source;
}

// ---- directSubscriber ---------------------------------------------------------------------------

/** What a `subscribe()` call gave: an observer with some of next/error/complete, or a next function. */
export type Consumer<T> = Partial<Observer<T>> | ((value: T) => void);

/**
 * @internal A subscriber that calls the consumer directly: a throw in a callback, or an error
 * without an error callback, is reported as rxjs reports it; once stopped, later notifications go
 * to rxjs's `onStoppedNotification` (the base class does that). Its teardown is the connection it
 * is on (`connection`), so it needs no teardown array either.
 */
export class DirectSubscriber<T> extends Subscriber<T> {
  /** The connection this subscriber is on; told when it unsubscribes. */
  connection: Unsubscribable | undefined;

  constructor(consumer: Consumer<T> | null | undefined) {
    super();
    // The consumer (or null) lives in rxjs's own `destination` field (only this class's methods read it).
    this.destination = consumer as Observer<T>;
  }

  protected override _next(value: T): void {
    const consumer = this.destination as Consumer<T> | null;
    try {
      if (typeof consumer === 'function') consumer(value);
      else consumer?.next?.(value);
    } catch (error) {
      reportUnhandledError(error);
    }
  }

  protected override _error(error: unknown): void {
    const consumer = this.destination as Consumer<T> | null;
    try {
      if (typeof consumer !== 'function' && consumer?.error) consumer.error(error);
      else reportUnhandledError(error);
    } catch (thrown) {
      reportUnhandledError(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    const consumer = this.destination as Consumer<T> | null;
    try {
      if (typeof consumer !== 'function') consumer?.complete?.();
    } catch (error) {
      reportUnhandledError(error);
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe(); // closed first, so the connection sees this one leaving
    const connection = this.connection;
    this.connection = undefined;
    connection?.unsubscribe();
  }
}

/**
 * Whether a DirectSubscriber gets its notifications: next and then error or complete reach the
 * consumer, nothing after them does, and either end tears its connection down once.
 */
function probeDirectSubscriber(): boolean {
  try {
    const seen: unknown[] = [];
    const note = (value: unknown): void => void seen.push(value);
    for (const ending of ['error', 'complete']) {
      const subscriber = new DirectSubscriber<unknown>({ next: note, error: note, complete: () => note('done') });
      subscriber.connection = { unsubscribe: () => note('teardown') };
      subscriber.next(1);
      if (ending === 'error') subscriber.error(2);
      else subscriber.complete();
      subscriber.next(3); // stopped: not delivered
      subscriber.unsubscribe(); // torn down already: not again
    }
    return seen.join() === '1,2,teardown,1,done,teardown';
  } catch {
    return false;
  }
}

/**
 * @internal A subscriber for `subject.subscribe(observerOrNext)` that calls the consumer directly
 * (see {@link DirectSubscriber}), or `undefined` when rxjs's subscriber internals have changed: the
 * caller then subscribes through rxjs's own path (`Observable.prototype.subscribe`).
 *
 * What it buys: one object per subscription instead of rxjs's three plus a teardown array (about
 * 150 B per subscription), and one call per message instead of two (see docs/performance.md).
 *
 * If rxjs changes (rxjs 8 reworks `Subscriber`: `destination` and the `_next`/`_error`/`_complete`
 * hooks are not public API), the probe fails and every subscription goes through rxjs's own
 * subscriber: same behaviour, a little more memory and time per message.
 */
export function directSubscriber<T>(consumer: Consumer<T> | null | undefined): DirectSubscriber<T> | undefined {
  return probes.directSubscriber ? new DirectSubscriber<T>(consumer) : undefined;
}

/**
 * @internal Whether `value` is a subscriber already, as rxjs's unexported `isSubscriber` decides it
 * (rxjs then subscribes it as it is, rather than wrapping it): a `Subscriber`, or an object with
 * the `Observer` and `Subscription` methods. Public API only (`instanceof` and method checks): a
 * copy of rxjs's rule, kept here so that a change in rxjs's rule is looked for in one place.
 */
export function isSubscriberLike(value: unknown): boolean {
  return (
    value instanceof Subscriber ||
    (value !== null && typeof value === 'object' && 'next error complete unsubscribe add remove'.split(' ').every((name) => typeof (value as Record<string, unknown>)[name] === 'function'))
  );
}

/** @internal Whether `subscriber` is a {@link DirectSubscriber}, which keeps its connection itself (no teardown array). */
export function holdsItsConnection(subscriber: unknown): subscriber is { connection: Unsubscribable | undefined } {
  return subscriber instanceof DirectSubscriber;
}

/**
 * @internal What the probes found (they run here, after the class they try is defined, or on first
 * use: `undefined` until then): `true` where rxjs still has the private shape a function here
 * relies on. Mutable so that tests can force a fallback.
 */
export const probes: {
  /** rxjs 7's `lift()` keeps the lifted-from observable on the result's `source` field (probed by the first `liftedSourceOf()`). */
  liftedSource?: boolean;
  /** A `Subscriber` subclass receives notifications in `_next`/`_error`/`_complete` and keeps `destination`. */
  directSubscriber: boolean;
} = {
  directSubscriber: probeDirectSubscriber(),
};
