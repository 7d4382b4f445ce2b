import type { CloseEvent } from '../websocket/events.js';
import { BehaviorSubject, NEVER, Observable, Subject, Subscriber, config as rxjsConfig, type Observer, type Subscription, type TeardownLogic } from 'rxjs';
import { directSubscriber, isSubscriberLike } from '../internals/rxjs.js';
import { normalizeConfig, type WebSocketSubjectConfig } from './config.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import { SubjectCore, parseClientClose } from './core.js';
import type { DecodeFailure, PassiveEvents } from './passive-streams.js';
import type { DroppedMessage } from './outbound-queue.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import { kEngine } from './engine-host.js';
import type { SessionEvent } from './features.js';
import { markSubject } from './derived.js';
import { kReconnectHost, type ReconnectHost } from './reconnect-host.js';

/**
 * A WebSocket connection as an RxJS stream: an `Observable<Out>` of the messages received (after
 * the deserializer) that is also an `Observer<In>` whose `next()` sends (through the serializer).
 *
 * - The connection opens on the first subscriber and is shared by all; the last one leaving
 *   closes it with 1000.
 * - `next()` sends at once while OPEN, and otherwise queues (bounded, see `queue`) for the next
 *   connection, in order.
 * - The subject is never dead: after an error, a close or `unsubscribe()`, the next subscriber
 *   opens a new connection, so `retry()` and `repeat()` reconnect.
 * - The client's own close and a clean 1000 from the server complete the subscribers; any other
 *   close errors them with a {@link WebSocketCloseError} (code, reason, wasClean).
 * - `open$`, `message$`, `error$`, `close$`, `state$`, `decodeError$` and `dropped$` report what
 *   happens, across connections, without opening one.
 *
 * Make one with {@link webSocket}.
 *
 * @typeParam In what `next()` accepts.
 * @typeParam Out what subscribers receive.
 *
 * @example
 * const chat$ = webSocket<ChatCommand, ChatEvent>('wss://chat.example.com');
 * chat$.pipe(retry({ delay: 1000 })).subscribe((event) => render(event));
 * chat$.next({ type: 'join', room: 'general' }); // queued until open
 */
export class WebSocketSubject<In, Out = In> extends Observable<Out> implements Observer<In> {
  readonly #core: SubjectCore<In, Out>;

  /**
   * Prefer {@link webSocket}; `new WebSocketSubject(urlOrConfig)` is the same.
   * @throws TypeError for a bad config.
   */
  constructor(urlOrConfig: string | URL | WebSocketSubjectConfig<In, Out>) {
    super();
    this.#core = new SubjectCore<In, Out>(normalizeConfig<In, Out>(urlOrConfig));
  }

  /**
   * Subscribes to the messages (the first subscriber opens the connection), as `Observable`'s
   * `subscribe()` does. An observer or function is called directly (one subscriber object per
   * subscription rather than rxjs's three); an rxjs Subscriber, the deprecated three-callback form
   * and rxjs's deprecated context and synchronous-error settings go through rxjs's own path.
   *
   * @example
   * const subscription = ws$.subscribe({ next: (m) => render(m), error: (e) => showOffline(e) });
   */
  override subscribe(observerOrNext?: Partial<Observer<Out>> | ((value: Out) => void) | null): Subscription;
  /** @deprecated As rxjs's: pass an observer instead of three callbacks. */
  override subscribe(next?: ((value: Out) => void) | null, error?: ((error: unknown) => void) | null, complete?: (() => void) | null): Subscription;
  override subscribe(
    observerOrNext?: Partial<Observer<Out>> | ((value: Out) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    const subscriber =
      error != null || complete != null || isSubscriberLike(observerOrNext) || rxjsConfig.useDeprecatedNextContext || rxjsConfig.useDeprecatedSynchronousErrorHandling
        ? undefined
        : directSubscriber<Out>(observerOrNext);
    if (subscriber === undefined) return super.subscribe(observerOrNext as (value: Out) => void, error, complete);
    try {
      subscriber.add(this._subscribe(subscriber));
    } catch (thrown) {
      subscriber.error(thrown);
    }
    return subscriber;
  }

  /** @internal Observable's subscribe hook (a method, not a per-subject closure). */
  protected _subscribe(subscriber: Subscriber<Out>): TeardownLogic {
    return this.#core.subscribe(subscriber);
  }

  /**
   * Sends `value` (serialized at once): now if the connection is OPEN and nothing is queued,
   * otherwise it is queued for the next open connection (CONNECTING, CLOSING, or no connection).
   *
   * @throws whatever the serializer throws (nothing is queued); {@link QueueOverflowError} when
   * the queue is full and its overflow policy is `'error'`; whatever the socket's `send()` throws.
   *
   * @example
   * ws$.next({ type: 'ping' });
   */
  next(value: In): void {
    this.#core.next(value);
  }

  /**
   * Closes the connection with a code, as rxjs does: `error({ code, reason })`. Messages queued
   * before it are sent first (while still connecting, the close waits for open). Subscribers
   * complete: the close is the client's own.
   *
   * @throws TypeError if `closeRequest` has no `code`; DOMException `InvalidAccessError` for a code
   * other than 1000 or 3000-4999, `SyntaxError` for a reason over 123 UTF-8 bytes. Nothing is
   * closed then. (Such a code is handed as is to a socket that is open with nothing queued, as
   * rxjs does, and that socket decides: a WHATWG one throws the same errors, a test double may
   * accept it.)
   *
   * @example
   * ws$.error({ code: 4000, reason: 'client state corrupted' });
   */
  error(closeRequest: { code: number; reason?: string }): void;
  error(closeRequest: unknown): void {
    const request = closeRequest as { code?: unknown; reason?: unknown } | null | undefined;
    if (request?.code === undefined) throw new TypeError('error() takes { code, reason? }; to end without a code, use complete().', { cause: closeRequest });
    let parsed: { code: number; reason: string };
    try {
      parsed = parseClientClose(request.code, request.reason);
    } catch (invalid) {
      if (this.#core.closeOpenWith(request.code, request.reason)) return;
      throw invalid;
    }
    this.#closeWhenFlushed(parsed.code, parsed.reason);
  }

  /**
   * Closes the connection normally (1000) after sending what is queued; while still connecting,
   * the close waits for open. Subscribers complete. Does nothing when there is no connection.
   *
   * @example
   * ws$.next({ type: 'bye' });
   * ws$.complete(); // 'bye' goes out, then the close frame
   */
  complete(): void {
    this.#closeWhenFlushed(1000, '');
  }

  /** The client's own close, once what is queued has gone out (error() and complete()). */
  #closeWhenFlushed(code: number, reason: string): void {
    const core = this.#core;
    core.reconnectHooks?.userClosed();
    const target = core.target;
    if (target !== undefined) core.closeWhenFlushed(target, code, reason);
  }

  /**
   * Closes the connection now with `code` and `reason`: an OPEN connection starts its closing
   * handshake, one still connecting is abandoned (no socket is left behind). Subscribers complete
   * once the socket has closed. Queued messages stay queued for the next connection.
   *
   * @param code 1000 (default) or 3000-4999.
   * @param reason At most 123 UTF-8 bytes.
   * @throws DOMException `InvalidAccessError` / `SyntaxError` as `WebSocket.close()` does.
   *
   * @example
   * ws$.close(4001, 'logged out');
   */
  close(code = 1000, reason?: string): void {
    const request = parseClientClose(code, reason);
    this.#core.closeAll(request.code, request.reason);
  }

  /**
   * Closes the connection (1000) and completes every subscriber. Unlike rxjs, the subject stays
   * usable: a later `subscribe()` opens a new connection.
   *
   * @example
   * ws$.unsubscribe(); // logged out
   * ws$.subscribe(render); // later: a new connection
   */
  unsubscribe(): void {
    this.#core.closeAll(1000, '');
  }

  /**
   * A stream of the messages for one topic, exactly as rxjs's `multiplex`: each subscription
   * sends `subMsg()` (through `next()`, so queued until open), receives the messages
   * `messageFilter` accepts, and on unsubscribe sends `unsubMsg()` through `next()` while a
   * connection is open or connecting (then it is queued behind its `subMsg()`); not after the
   * connection ended, which took the server's subscription with it. A throw in a
   * callback errors that subscription. With `reconnect()` each subscription re-subscribes, and
   * so sends `subMsg()` again, on the next connection. For topics shared by many subscribers
   * and re-announced on every connection, use rxws's `multiplex(subject, …)` function
   * (docs/multiplex.md).
   *
   * @example
   * const prices$ = ws$.multiplex(
   *   () => ({ subscribe: 'prices' }),
   *   () => ({ unsubscribe: 'prices' }),
   *   (m) => m.topic === 'prices',
   * );
   */
  multiplex(subMsg: () => In, unsubMsg: () => In, messageFilter: (value: Out) => boolean): Observable<Out>;
  /**
   * rxjs 7's loose form: control messages of any type (rxjs declares them `() => any`), handed to
   * the serializer as they are. Chosen only when the messages are not of type `In`; with the
   * default `JSON.stringify` serializer any JSON value works.
   *
   * @example
   * const ws$ = webSocket<string>(url);
   * ws$.multiplex(() => ({ sub: 'A' }), () => ({ unsub: 'A' }), (m) => m.startsWith('A'));
   */
  multiplex(subMsg: () => unknown, unsubMsg: () => unknown, messageFilter: (value: Out) => boolean): Observable<Out>;
  multiplex(subMsg: () => unknown, unsubMsg: () => unknown, messageFilter: (value: Out) => boolean): Observable<Out> {
    if (arguments.length > 3) throw new TypeError("subject.multiplex() takes 3 arguments: for options use rxws's multiplex(subject, ...) function.");
    // The loose form's messages go to the serializer as rxjs's do: typed as In from here on.
    return markSubject(
      new Observable<Out>((observer) => {
        try {
          this.next(subMsg() as In);
        } catch (error) {
          observer.error(error); // (rxjs subscribes anyway and sends unsubMsg(): nothing was subscribed)
          return;
        }
        const subscription = this.subscribe({
          next: (value) => {
            try {
              if (messageFilter(value)) observer.next(value);
            } catch (error) {
              observer.error(error);
            }
          },
          error: (error: unknown) => observer.error(error),
          complete: () => observer.complete(),
        });
        return () => {
          try {
            const message = unsubMsg() as In;
            const state = this.#core.state;
            if (state === 'open' || state === 'connecting') this.next(message);
          } catch (error) {
            observer.error(error);
          }
          subscription.unsubscribe();
        };
      }),
      this,
    );
  }

  /** @internal The engine's side that `reconnect()` drives (see lib/subject/reconnect-host.ts). */
  get [kReconnectHost](): ReconnectHost {
    return this.#core;
  }

  /** @internal The engine, for the subject layer's optional capabilities (see lib/subject/engine-host.ts). */
  get [kEngine](): SubjectCore<In, Out> {
    return this.#core;
  }

  /**
   * @deprecated rxjs 7's private `_socket` field, kept for code that reads it: the socket of the
   * current connection (open, connecting or closing), or `null`. Use `state$`, `open$` and
   * `close$` instead.
   *
   * @example
   * const socket = (ws$ as unknown as { _socket: WebSocket | null })._socket; // as rxjs code does
   */
  get _socket(): WebSocketLike | null {
    return this.#core.current?.socket ?? null;
  }

  /** The connection's state now (see {@link ConnectionState}). */
  get state(): ConnectionState {
    return this.#core.state;
  }

  /** The state now with its details (see {@link ConnectionStatus}). */
  get status(): ConnectionStatus {
    return this.#core.status;
  }

  /**
   * The state with its details: `{ state: 'reconnecting', attempt, delay, at, cause }` while a
   * `reconnect()` waits to retry, `{ state: 'exhausted', attempt, cause }`, `{ state:
   * 'connecting', attempt }`, otherwise `{ state }`. Replays the current status, then every
   * change. Passive. (`state$` is the same as plain strings.)
   *
   * @example
   * ws$.status$.subscribe((s) => s.state === 'reconnecting' && console.log(`retry #${s.attempt} in ${s.delay} ms`, s.cause.code));
   */
  get status$(): Observable<ConnectionStatus> {
    return this.#passive('status', this.#core.status);
  }

  /**
   * Reconnects now: while a `reconnect()` waits out its backoff delay, the attempt starts at once;
   * after it was exhausted, the count starts afresh (attempt 1). Does nothing while a connection
   * is open or connecting. See docs/reconnect.md.
   *
   * @example
   * retryButton.onclick = () => ws$.reconnect();
   */
  reconnect(): void {
    this.#core.reconnectNow();
  }

  /**
   * The connection's state: replays the current one at once, then every change. Passive.
   *
   * @example
   * ws$.state$.pipe(filter((s) => s === 'open')).subscribe(() => console.log('online'));
   */
  get state$(): Observable<ConnectionState> {
    return this.#passive('state', this.#core.state);
  }

  /** Every connection's `open` event. Passive: subscribing does not connect. */
  get open$(): Observable<Event> {
    return this.#passive('open');
  }

  /**
   * Every raw `MessageEvent` received, before (and whatever the result of) the deserializer.
   * Passive.
   */
  get message$(): Observable<MessageEvent> {
    return this.#passive('message');
  }

  /**
   * Every connection's `error` event (on Node an `ErrorEvent` whose `error` is the cause; rxws
   * also reports a failed `url` or factory here). An error is always followed by a close. Passive.
   */
  get error$(): Observable<Event> {
    return this.#passive('error');
  }

  /** Every connection's `close` event, with `code`, `reason` and `wasClean`. Passive. */
  get close$(): Observable<CloseEvent> {
    return this.#passive('close');
  }

  /**
   * Messages the deserializer could not decode, as `{ event, error }` (with the default
   * `onDecodeError: 'emit'`); the connection and its subscribers carry on.
   */
  get decodeError$(): Observable<DecodeFailure> {
    return this.#passive('decodeError');
  }

  /** Messages accepted by `next()` but not sent, as `{ data, reason, error? }` (queue overflow, send failure). */
  get dropped$(): Observable<DroppedMessage> {
    return this.#passive('dropped');
  }

  /**
   * The read-only face of the passive stream `name`, made on first use (its subject too, unless
   * the engine made that already): a `BehaviorSubject` replaying `initial` when one is given.
   */
  #passive<K extends keyof PassiveEvents>(name: K, initial?: PassiveEvents[K]): Observable<PassiveEvents[K]> {
    type T = PassiveEvents[K];
    const streams = this.#core.passive as unknown as { [field: string]: Subject<T> | Observable<T> | undefined };
    return (streams[`${name}$`] ??= ((streams[name] as Subject<T> | undefined) ??= initial === undefined ? new Subject<T>() : new BehaviorSubject<T>(initial)).asObservable());
  }

  /** The live socket's `bufferedAmount` (0 with no connection). */
  get bufferedAmount(): number {
    return this.#core.bufferedAmount;
  }

  /**
   * Every session start of a subject with `session: resumable()` (`rxws/session`): `{ id, kind:
   * 'new' | 'resumed' }`, and `{ kind: 'lost', id, unacknowledged }` when the server no longer
   * knows the session the client tried to resume (see {@link SessionEvent}). Passive. Without a
   * session it never emits.
   *
   * @example
   * orders.session$.subscribe((s) => console.log(s.kind, s.id));
   */
  get session$(): Observable<SessionEvent> {
    return this.#core.session?.events ?? NEVER;
  }

  /** How many messages wait in the outbound queue. */
  get queueLength(): number {
    return this.#core.queued;
  }

  /**
   * Empties the outbound queue and returns what it held (serialized, oldest first); they are not
   * reported on `dropped$`.
   *
   * @example
   * const unsent = ws$.clearQueue(); // e.g. after close(), so they never go out later
   */
  clearQueue(): WebSocketMessage[] {
    return this.#core.queue.drain();
  }

  /** Whether anyone is subscribed (connected or waiting for a connection). */
  get observed(): boolean {
    return this.#core.observed;
  }

  /**
   * The subject as a plain Observable (no `next()`), as `Subject.asObservable()`.
   *
   * @example
   * readonly updates$ = this.#socket.asObservable(); // components can subscribe, not send
   */
  asObservable(): Observable<Out> {
    return new Observable<Out>((subscriber) => this.subscribe(subscriber));
  }
}
