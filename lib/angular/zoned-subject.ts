// The connection that injectWebSocket() hands out: a WebSocketSubject whose own work runs outside
// Angular's zone and whose deliveries run inside it; on the server platform (unless the config
// says `ssr: 'connect'`) an inert one that never opens a socket.
import type { NgZone } from '@angular/core';
import { Observable, Subscription, type Observer } from 'rxjs';
import { WebSocketSubject, type ConnectionState, type DecodeFailure, type DroppedMessage, type WebSocketSubjectConfig } from '../subject/index.js';
import type { SessionEvent } from '../subject/features.js';
import type { ConnectionStatus } from '../subject/connection-state.js';
import type { CloseEvent } from '../websocket/events.js';
import { acrossZone, deliveringInZone } from './zone.js';

/** @internal What a {@link ZonedWebSocketSubject} is made of. */
export interface ZonedSubjectOptions {
  /** The app's zone (`NoopNgZone` in a zoneless app: then every boundary is a plain call). */
  readonly zone: NgZone;
  /** No socket at all (server-side rendering without `ssr: 'connect'`). */
  readonly inert: boolean;
}

/**
 * @internal A {@link WebSocketSubject} for an Angular app. Subscribing, sending, closing and
 * reconnecting run outside Angular's zone, so the socket's listeners and every rxws timer
 * (reconnect backoff, connect timeouts, heartbeats, which rxws schedules from those calls or
 * from socket events) stay out of it; each value, error and completion is delivered through one
 * `NgZone.run`. An inert subject (server rendering) never connects: subscribers receive nothing,
 * `next()` is dropped and `state$` stays `'idle'`.
 */
export class ZonedWebSocketSubject<In, Out = In> extends WebSocketSubject<In, Out> {
  readonly #zone: NgZone;
  readonly #inert: boolean;

  constructor(config: string | URL | WebSocketSubjectConfig<In, Out>, options: ZonedSubjectOptions) {
    super(config);
    this.#zone = options.zone;
    this.#inert = options.inert;
  }

  override subscribe(observerOrNext?: Partial<Observer<Out>> | ((value: Out) => void) | null): Subscription;
  /** @deprecated As rxjs's: pass an observer instead of three callbacks. */
  override subscribe(next?: ((value: Out) => void) | null, error?: ((error: unknown) => void) | null, complete?: (() => void) | null): Subscription;
  override subscribe(
    observerOrNext?: Partial<Observer<Out>> | ((value: Out) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    const target: Partial<Observer<Out>> =
      typeof observerOrNext === 'function' || error != null || complete != null
        ? {
            ...(typeof observerOrNext === 'function' ? { next: observerOrNext } : {}),
            ...(error != null ? { error } : {}),
            ...(complete != null ? { complete } : {}),
          }
        : (observerOrNext ?? {});
    if (this.#inert) return new Subscription();
    const subscription = this.#zone.runOutsideAngular(() => super.subscribe(deliveringInZone(this.#zone, target)));
    // An rxjs Subscriber (an operator's) tears down through itself, not through the returned subscription.
    if (target instanceof Subscription) target.add(subscription);
    return subscription;
  }

  override next(value: In): void {
    if (this.#inert) return;
    this.#zone.runOutsideAngular(() => super.next(value));
  }

  override error(closeRequest: { code: number; reason?: string }): void {
    this.#zone.runOutsideAngular(() => super.error(closeRequest));
  }

  override complete(): void {
    this.#zone.runOutsideAngular(() => super.complete());
  }

  override close(code?: number, reason?: string): void {
    this.#zone.runOutsideAngular(() => super.close(code, reason));
  }

  override unsubscribe(): void {
    this.#zone.runOutsideAngular(() => super.unsubscribe());
  }

  override reconnect(): void {
    if (this.#inert) return;
    this.#zone.runOutsideAngular(() => super.reconnect());
  }

  override get state$(): Observable<ConnectionState> {
    return acrossZone(this.#zone, super.state$);
  }

  override get status$(): Observable<ConnectionStatus> {
    return acrossZone(this.#zone, super.status$);
  }

  override get open$(): Observable<Event> {
    return acrossZone(this.#zone, super.open$);
  }

  override get message$(): Observable<MessageEvent> {
    return acrossZone(this.#zone, super.message$);
  }

  override get error$(): Observable<Event> {
    return acrossZone(this.#zone, super.error$);
  }

  override get close$(): Observable<CloseEvent> {
    return acrossZone(this.#zone, super.close$);
  }

  override get decodeError$(): Observable<DecodeFailure> {
    return acrossZone(this.#zone, super.decodeError$);
  }

  override get dropped$(): Observable<DroppedMessage> {
    return acrossZone(this.#zone, super.dropped$);
  }

  override get session$(): Observable<SessionEvent> {
    return acrossZone(this.#zone, super.session$);
  }
}
