// Signals of a connection: its state and its latest message, made in an injection context and
// unsubscribed when it is destroyed. (As toSignal() of @angular/core/rxjs-interop does, with the
// core API only: that secondary entry has no types for the CommonJS build's Node10 resolution.)
import { DestroyRef, ErrorHandler, Injector, NgZone, assertInInjectionContext, inject, signal, type Signal } from '@angular/core';
import { EMPTY, catchError, type Observable } from 'rxjs';
import type { ConnectionState } from '../subject/index.js';
import { acrossZone } from './zone.js';

/** Where a signal helper runs when called outside an injection context. */
export interface SignalOptions {
  /** The injector whose destruction ends the subscription (default: the current injection context's). */
  injector?: Injector;
}

/** What {@link connectionState} reads: a `WebSocketSubject` (of any message types) or anything with its `state$`. */
export interface StateSource {
  /** The state now, then every change (a `WebSocketSubject`'s `state$`). */
  readonly state$: Observable<ConnectionState>;
}

function injectorFor(fn: Parameters<typeof assertInInjectionContext>[0], options: SignalOptions | undefined): Injector {
  if (options?.injector !== undefined) return options.injector;
  assertInInjectionContext(fn);
  return inject(Injector);
}

/**
 * The connection's state as a signal: `'idle'`, `'connecting'`, `'open'`, `'closing'`,
 * `'closed'`, `'reconnecting'` or `'exhausted'` (see {@link ConnectionState}). It reads the state
 * without opening a connection, and stays `'idle'` during server-side rendering.
 *
 * @throws Angular's NG0203 outside an injection context without `options.injector`.
 *
 * @example
 * readonly state = connectionState(injectWebSocket(PRICES));
 * // template: {{ state() === 'reconnecting' ? 'Reconnecting…' : '' }}
 */
export function connectionState(subject: StateSource, options?: SignalOptions): Signal<ConnectionState> {
  const injector = injectorFor(connectionState, options);
  return signalOf(injector, subject.state$, 'idle');
}

/**
 * The latest value of `source$` (typically the connection with `reconnect()` piped), `initial`
 * until the first one. Subscribing it connects; it is subscribed outside Angular's zone (so the
 * operators piped in it keep their timers out of the zone) and each value is set inside it. An
 * error goes to Angular's `ErrorHandler` and the signal keeps its last value.
 *
 * @throws Angular's NG0203 outside an injection context without `options.injector`.
 *
 * @example
 * readonly price = latestMessage(injectWebSocket(PRICES).pipe(reconnect()), null);
 * // template: {{ price()?.value }}
 */
export function latestMessage<T, I = T>(source$: Observable<T>, initial: I, options?: SignalOptions): Signal<T | I> {
  const injector = injectorFor(latestMessage, options);
  const errors = injector.get(ErrorHandler);
  const values$: Observable<T | I> = source$.pipe(
    catchError((error: unknown) => {
      errors.handleError(error);
      return EMPTY;
    }),
  );
  return signalOf(injector, values$, initial);
}

/**
 * A signal of `source$`'s values (`initial` until the first), subscribed outside Angular's zone
 * and set inside it, unsubscribed when `injector` is destroyed.
 */
function signalOf<T>(injector: Injector, source$: Observable<T>, initial: T): Signal<T> {
  const value = signal<T>(initial);
  const subscription = acrossZone(injector.get(NgZone), source$).subscribe((next) => value.set(next));
  injector.get(DestroyRef).onDestroy(() => subscription.unsubscribe());
  return value.asReadonly();
}
