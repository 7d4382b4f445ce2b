// One physical connection of a subject: its socket, its phase and flags, its subscribers, and how
// the socket's events reach the engine (rxws's event sink, EventTarget listeners or handler
// attributes).
import type { Subscriber } from 'rxjs';
import type { CloseEvent } from '../websocket/events.js';
import { holdsEvents, takeEvents } from '../websocket/platform.js';
import { listensThroughEventTarget, type WebSocketLike } from '../websocket/socket-like.js';
import type { CloseKind } from './close-error.js';
import type { EngineHeartbeat } from './features.js';
import type { Subscription } from 'rxjs';

export const CONNECTING = 0;
export const OPEN = 1;

// A connection's phase. Resolving: reading the URL / running the factory (no socket yet).
export const WAITING = 0; // subscribers gathered while the previous connection finishes closing
export const RESOLVING = 1;
export const SOCKET_CONNECTING = 2;
export const SOCKET_OPEN = 3;
export const CLOSING = 4;
export const CLOSED = 5;
export type Phase = typeof WAITING | typeof RESOLVING | typeof SOCKET_CONNECTING | typeof SOCKET_OPEN | typeof CLOSING | typeof CLOSED;

const EVENT_TYPES = ['open', 'message', 'error', 'close'] as const;
const NO_OBSERVERS: readonly Subscriber<never>[] = [];
const isArray = Array.isArray as (value: unknown) => value is readonly unknown[];

/** What a connection calls on the engine it belongs to. */
export interface ConnectionHost<In, Out> {
  readonly config: { readonly deserializer: (event: MessageEvent) => Out };
  readonly streams: { readonly message?: { next(event: MessageEvent): void } | undefined } | undefined;
  readonly session: { receive(connection: object, event: MessageEvent): MessageEvent | undefined } | undefined;
  opened(connection: Connection<In, Out>, event: Event): void;
  errored(connection: Connection<In, Out>, event: Event): void;
  closed(connection: Connection<In, Out>, event: CloseEvent): void;
  decodeFailed(connection: Connection<In, Out>, event: MessageEvent, error: unknown): void;
  isPong(value: Out): boolean;
  lastLeft(connection: Connection<In, Out>): void;
}

/**
 * The listeners a connection puts on a socket that is not rxws's own: one function per event type
 * (given to `addEventListener`, or set as the `on…` attributes of a socket without it), so an
 * event is routed by where it came from, never by its `type` (a test double's plain `{ data }`
 * given to `onmessage` is a message).
 */
class SocketListeners {
  // (`declare`: the constructor defines all four, in this order)
  declare readonly open: (event: Event) => void;
  declare readonly message: (event: Event) => void;
  declare readonly error: (event: Event) => void;
  declare readonly close: (event: Event) => void;

  constructor(connection: Connection<unknown, unknown>) {
    // Function listeners: an object listener would cost Node's EventTarget an async wrapper and a promise per event.
    this.open = (event) => connection.core.opened(connection, event);
    this.message = (event) => connection.receive(event as MessageEvent);
    this.error = (event) => connection.core.errored(connection, event);
    this.close = (event) => connection.core.closed(connection, event as CloseEvent);
  }
}

/** The handler attribute of each event type, for sockets without `addEventListener`. */
const HANDLER_ATTRIBUTES = { open: 'onopen', message: 'onmessage', error: 'onerror', close: 'onclose' } as const;
type HandlerSocket = Record<(typeof HANDLER_ATTRIBUTES)[keyof typeof HANDLER_ATTRIBUTES], unknown>;

/**
 * One physical connection and the subscribers that share it. A socket's events reach only the
 * Connection that attached to it: rxws's Node socket hands them to the Connection itself (its
 * event sink), any other socket to one function per connection (`listener`), and it detaches on
 * close. It is also the teardown of each of its subscribers (`unsubscribe()`), so a
 * subscription costs no closure either.
 */
export class Connection<In, Out> {
  declare readonly core: ConnectionHost<In, Out>;
  socket: WebSocketLike | undefined;
  // None, one (the usual case: no array for it) or several. An array is replaced, never mutated,
  // so a loop over it is safe against (un)subscribes during emission.
  #observers: Subscriber<Out> | readonly Subscriber<Out>[] | undefined;

  /** Where the connection is, from WAITING to CLOSED. */
  phase: Phase = WAITING;
  /** The client started closing this connection (its subscribers will complete). */
  clientClosing = false;
  /** True while `start()` runs synchronously inside a subscribe(). */
  synchronous = false;
  /** The open steps have completed: the queue may flush and `next()` write directly. */
  ready = false;
  /** The client closed the socket while it was still connecting. */
  abandoned = false;
  /** The connection's heartbeat (the `heartbeat` option), from open to close. */
  heartbeat: EngineHeartbeat | undefined;
  /** The listeners on a socket that is not rxws's own (see {@link SocketListeners}), made when attached to one. */
  listeners: SocketListeners | undefined;
  /** complete()/error() before open: close with this once open and flushed. */
  finish: { code: number; reason: string } | undefined;
  /** The last error event of the socket. */
  lastError: Event | undefined;
  /** The open step still running, if any. */
  step: Subscription | undefined;
  /** Why the connection is being failed by the client (connect timeout, heartbeat, handshake), if it is. */
  failure: CloseKind | undefined;
  /** What failed it (a handshake's error). */
  failureCause: unknown;
  /** The `linger` timer: the connection closes when it fires with no subscriber back (no field until it lingers once). */
  declare lingering: ReturnType<typeof setTimeout> | undefined;
  /** Its number in the process, URL, start and open times (performance.now()), noted by the tracers (lifecycle.ts). */
  declare id?: number;
  declare url?: string;
  declare started?: number;
  declare opened?: number;

  constructor(core: ConnectionHost<In, Out>) {
    this.core = core;
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'message':
        this.receive(event as MessageEvent);
        return;
      case 'open':
        this.core.opened(this, event);
        return;
      case 'error':
        this.core.errored(this, event);
        return;
      case 'close':
        this.core.closed(this, event as CloseEvent);
        return;
    }
  }

  // The receive hot path: raw event to message$, deserialize once, fan out.
  receive(event: MessageEvent): void {
    const phase = this.phase;
    // (SOCKET_CONNECTING: only a test double delivers a message before its open event; rxjs delivers it too.)
    if (phase < SOCKET_CONNECTING || phase === CLOSED) return;
    const core = this.core;
    const heartbeat = this.heartbeat;
    if (heartbeat !== undefined) heartbeat.alive = true; // any inbound message is a sign of life
    const session = core.session;
    if (session !== undefined) {
      // A session's frame: the application message it carries, if any (not a control frame, nor a duplicate).
      const carried = session.receive(this, event);
      if (carried === undefined) return;
      event = carried;
    }
    core.streams?.message?.next(event);
    const observers = this.#observers;
    if (observers === undefined) return;
    let value: Out;
    try {
      value = core.config.deserializer(event);
    } catch (error) {
      core.decodeFailed(this, event, error);
      return;
    }
    if (heartbeat !== undefined && core.isPong(value)) return; // an application-level pong is the heartbeat's
    if (!isArray(observers)) {
      observers.next(value);
      return;
    }
    for (let i = 0; i < observers.length; i++) observers[i]!.next(value);
  }

  /** Whether any subscriber is on this connection. */
  get observed(): boolean {
    return this.#observers !== undefined;
  }

  /** Whether a new subscriber may share this connection (it is not on its way out). */
  get joinable(): boolean {
    if (this.phase >= CLOSING || this.clientClosing) return false;
    const socket = this.socket;
    return socket === undefined || socket.readyState <= OPEN;
  }

  attach(socket: WebSocketLike): void {
    this.socket = socket;
    if (takeEvents(socket, this)) return; // rxws's Node socket: one sink instead of four EventTarget listeners
    const listeners = (this.listeners ??= new SocketListeners(this as Connection<unknown, unknown>));
    if (listensThroughEventTarget(socket)) {
      for (const type of EVENT_TYPES) socket.addEventListener!(type, listeners[type]);
      return;
    }
    // Handler attributes only (rxjs/webSocket's way): they replace whatever was set there.
    const target = socket as unknown as HandlerSocket;
    for (const type of EVENT_TYPES) target[HANDLER_ATTRIBUTES[type]] = listeners[type];
  }

  detach(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    if (holdsEvents(socket, this, true)) return;
    for (const type of EVENT_TYPES) this.stopListening(socket, type); // (removing 'open' again is a no-op)
  }

  /** Takes this connection's `type` listener off `socket` (a listener or a handler attribute). */
  stopListening(socket: WebSocketLike, type: (typeof EVENT_TYPES)[number]): void {
    const listener = this.listeners?.[type];
    if (listener === undefined) return;
    if (listensThroughEventTarget(socket)) {
      socket.removeEventListener!(type, listener);
      return;
    }
    const target = socket as unknown as HandlerSocket;
    const attribute = HANDLER_ATTRIBUTES[type];
    if (target[attribute] === listener) target[attribute] = null;
  }

  add(subscriber: Subscriber<Out>): void {
    const observers = this.#observers;
    // An exact-size copy (a spread or push would reserve room for 16).
    this.#observers = observers === undefined ? subscriber : isArray(observers) ? observers.concat(subscriber) : [observers, subscriber];
  }

  /**
   * The teardown of every subscriber of this connection: rxjs marks a subscriber `closed` before
   * running its teardowns, so the closed ones are the ones leaving.
   */
  unsubscribe(): void {
    const observers = this.#observers;
    if (observers === undefined) return;
    if (!isArray(observers)) {
      if (!observers.closed) return;
      this.#observers = undefined;
    } else {
      let closed = 0;
      for (let i = 0; i < observers.length; i++) if (observers[i]!.closed) closed++;
      if (closed === 0) return;
      const left = closed === observers.length ? NO_OBSERVERS : observers.filter((s) => !s.closed);
      this.#observers = left.length === 0 ? undefined : left.length === 1 ? left[0] : left;
    }
    if (this.#observers === undefined) this.core.lastLeft(this);
  }

  /** Takes every subscriber off the connection (before a terminal notification). */
  takeObservers(): readonly Subscriber<Out>[] {
    const observers = this.#observers;
    this.#observers = undefined;
    return observers === undefined ? NO_OBSERVERS : isArray(observers) ? observers : [observers];
  }
}

