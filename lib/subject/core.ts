// The engine of a WebSocketSubject: one connection at a time, the outbound queue that outlives
// connections, and the passive event streams. Kept apart from the public class so the class's
// surface is only its API.
import type { CloseEvent } from '../websocket/events.js';
import { from, Subject, type BehaviorSubject, type Observable, type ObservableInput, type Subscriber, type Subscription, type TeardownLogic, type Unsubscribable } from 'rxjs';
import { CloseEvent as PlatformCloseEvent, ErrorEvent as PlatformErrorEvent } from '../websocket/platform.js';
import { parseCloseArguments } from '../websocket/close-code.js';
import { WebSocketCloseError, messageOf } from './close-error.js';
import { makeSocket, type NormalizedConfig } from './config.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import { getNodeControls, hasEventSink, kBinaryTypeOption, kEventSink, takesBinaryTypeOption } from '../websocket/controls.js';
import { handshakeStep, type Handshake } from './handshake.js';
import type { CloseKind } from './close-error.js';
import { OutboundQueue, type DroppedMessage } from './outbound-queue.js';
import { DirectSubscriber } from './direct-subscriber.js';
import { reportUnhandledError } from './report-unhandled.js';
import { listensThroughEventTarget, missingFromSocket, type WebSocketLike, type WebSocketMessage } from '../websocket/socket-like.js';
import type { EngineGate, EngineHeartbeat, GateHost } from './features.js';
import type { ReconnectHooks, ReconnectHost } from './reconnect-host.js';

/**
 * What an {@link OpenStep} gets: the connection that just opened, and a way to write to it
 * directly (before, and never through, the outbound queue).
 */
export interface OpeningConnection {
  /** The socket that just opened. */
  readonly socket: WebSocketLike;
  /** Sends `data` (already serialized) on this connection at once; false if it is no longer open. */
  send(data: WebSocketMessage): boolean;
  /** Listens to this connection's messages and its close until the returned function is called. */
  listen(onMessage: (event: Event) => void, onClose: () => void): () => void;
}

/**
 * A step of the open sequence. After a socket opens, the steps run in order (a step returning an
 * observable, promise or other ObservableInput runs until it completes); only then is the queue
 * flushed and `next()` writes directly. Layers register their steps: the user's handshake
 * (authentication) first, then multiplexed topics re-subscribing. A step that throws or errors
 * fails the connection: subscribers get its error and the socket is closed with 1000.
 */
export type OpenStep = (connection: OpeningConnection, host: OpenStepHost) => ObservableInput<unknown> | void;

/** What an open step may reach of the subject running it. */
export interface OpenStepHost {
  readonly topics: TopicsSlot | undefined;
}

/** The last open step: multiplexed topics re-subscribe, and requests waiting for a connection go out. */
function openTopics(connection: OpeningConnection, host: OpenStepHost): void {
  host.topics?.opened(connection);
}
const TOPICS_STEP_ONLY: readonly OpenStep[] = [openTopics];
const frozen = (status: ConnectionStatus): ConnectionStatus => Object.freeze(status);
/** The status of each state without details (a connecting one is the first attempt). */
const PLAIN_STATUS: Readonly<Record<ConnectionState, ConnectionStatus>> = {
  idle: frozen({ state: 'idle' }),
  connecting: frozen({ state: 'connecting', attempt: 0 }),
  open: frozen({ state: 'open' }),
  closing: frozen({ state: 'closing' }),
  closed: frozen({ state: 'closed' }),
  reconnecting: frozen({ state: 'reconnecting' } as ConnectionStatus),
  exhausted: frozen({ state: 'exhausted' } as ConnectionStatus),
};
const IDLE_STATUS = PLAIN_STATUS.idle;

/** One entry of `decodeError$`: the message the deserializer could not decode, and what it threw. */
export interface DecodeFailure {
  /** The raw message, as the socket delivered it. */
  readonly event: MessageEvent;
  /** What the deserializer threw. */
  readonly error: unknown;
}

const CONNECTING = 0;
const OPEN = 1;

// A connection's phase. Resolving: reading the URL / running the factory (no socket yet).
const WAITING = 0; // subscribers gathered while the previous connection finishes closing
const RESOLVING = 1;
const SOCKET_CONNECTING = 2;
const SOCKET_OPEN = 3;
const CLOSING = 4;
const CLOSED = 5;
type Phase = typeof WAITING | typeof RESOLVING | typeof SOCKET_CONNECTING | typeof SOCKET_OPEN | typeof CLOSING | typeof CLOSED;

const EVENT_TYPES = ['open', 'message', 'error', 'close'] as const;
// Bits of a Connection's flags, above its phase.
const PHASE_MASK = 7;
const CLIENT_CLOSING = 8;
const SYNCHRONOUS = 16;
const READY = 32;
const ABANDONED = 64;
const withFlag = (flags: number, bit: number, on: boolean): number => (on ? flags | bit : flags & ~bit);
const NO_OBSERVERS: readonly Subscriber<never>[] = [];
const isArray = Array.isArray as (value: unknown) => value is readonly unknown[];

/**
 * Makes `connection` the teardown of `subscriber`. rxjs gives a subscriber's first teardown an
 * array with room for 16 (≈ 150 B per subscription); where rxjs's own field is there and still
 * empty, the connection goes into an exact-size one instead (anything else goes through rxjs).
 */
function teardownBy(subscriber: Subscriber<unknown>, connection: Unsubscribable): TeardownLogic {
  if (subscriber.closed) return connection; // rxjs runs it at once
  if (subscriber instanceof DirectSubscriber) {
    subscriber.connection = connection;
    return undefined;
  }
  const held = subscriber as unknown as { _finalizers?: unknown[] | null };
  if (held._finalizers !== null) return connection;
  held._finalizers = [connection];
  return undefined;
}

/**
 * The listeners a connection puts on a socket that is not rxws's own: one function per event type
 * (given to `addEventListener`, or set as the `on…` attributes of a socket without it), so an
 * event is routed by where it came from, never by its `type` (a test double's plain `{ data }`
 * given to `onmessage` is a message).
 */
class SocketListeners {
  readonly open: (event: Event) => void;
  readonly message: (event: Event) => void;
  readonly error: (event: Event) => void;
  readonly close: (event: Event) => void;

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

/** @internal Multiplexed topics and requests (topics.ts), attached to the engine when first used. */
export interface TopicsSlot {
  /** A connection opened (the last open step): re-announce live topics, send waiting requests. */
  opened(connection: OpeningConnection): void;
  /** The last reconnect() hold was released: topics waiting for a reconnection end now. */
  holdReleased(): void;
}

/** What a connection seldom sets (see Connection). */
class SeldomConnectionState {
  listeners: SocketListeners | undefined = undefined;
  finish: { code: number; reason: string } | undefined = undefined;
  lastError: Event | undefined = undefined;
  step: Subscription | undefined = undefined;
  failure: CloseKind | undefined = undefined;
  failureCause: unknown = undefined;
  heartbeat: EngineHeartbeat | undefined = undefined;
}

/**
 * One physical connection and the subscribers that share it. A socket's events reach only the
 * Connection that attached to it: rxws's Node socket hands them to the Connection itself (its
 * event sink), any other socket to one function per connection (`listener`), and it detaches on
 * close. It is also the teardown of each of its subscribers (`unsubscribe()`), so a
 * subscription costs no closure either.
 */
class Connection<In, Out> {
  readonly core: SubjectCore<In, Out>;
  // The EventTarget listener, a pending close, the last error, the running open step and why the
  // client fails the connection: made on first write (a connection that just opens keeps none).
  #seldom: SeldomConnectionState | undefined = undefined;
  socket: WebSocketLike | undefined = undefined;
  // None, one (the usual case: no array for it) or several. An array is replaced, never mutated,
  // so a loop over it is safe against (un)subscribes during emission.
  #observers: Subscriber<Out> | readonly Subscriber<Out>[] | undefined = undefined;
  // The phase (low bits) | CLIENT_CLOSING | SYNCHRONOUS | READY: one field rather than four.
  #flags: number = WAITING;

  constructor(core: SubjectCore<In, Out>) {
    this.core = core;
  }

  /** Where the connection is, from WAITING to CLOSED. */
  get phase(): Phase {
    return (this.#flags & PHASE_MASK) as Phase;
  }
  set phase(phase: Phase) {
    this.#flags = (this.#flags & ~PHASE_MASK) | phase;
  }

  /** The connection's heartbeat (the `heartbeat` option), from open to close. */
  get heartbeat(): EngineHeartbeat | undefined {
    return this.#seldom?.heartbeat;
  }
  set heartbeat(heartbeat: EngineHeartbeat | undefined) {
    if (heartbeat !== undefined || this.#seldom !== undefined) this.more.heartbeat = heartbeat;
  }

  /** The client started closing this connection (its subscribers will complete). */
  get clientClosing(): boolean {
    return (this.#flags & CLIENT_CLOSING) !== 0;
  }
  set clientClosing(on: boolean) {
    this.#flags = withFlag(this.#flags, CLIENT_CLOSING, on);
  }

  /** True while `start()` runs synchronously inside a subscribe(). */
  get synchronous(): boolean {
    return (this.#flags & SYNCHRONOUS) !== 0;
  }
  set synchronous(on: boolean) {
    this.#flags = withFlag(this.#flags, SYNCHRONOUS, on);
  }

  /** The open steps have completed: the queue may flush and `next()` write directly. */
  get ready(): boolean {
    return (this.#flags & READY) !== 0;
  }
  set ready(on: boolean) {
    this.#flags = withFlag(this.#flags, READY, on);
  }

  /** The client closed the socket while it was still connecting. */
  get abandoned(): boolean {
    return (this.#flags & ABANDONED) !== 0;
  }
  set abandoned(on: boolean) {
    this.#flags = withFlag(this.#flags, ABANDONED, on);
  }

  // A TS-private getter, not `#more`: a class with #-private accessors costs a brand slot per instance.
  private get more(): SeldomConnectionState {
    return (this.#seldom ??= new SeldomConnectionState());
  }

  /** The listeners on a socket that is not rxws's own (see {@link SocketListeners}). */
  get listeners(): SocketListeners {
    return (this.more.listeners ??= new SocketListeners(this as Connection<unknown, unknown>));
  }

  /** complete()/error() before open: close with this once open and flushed. */
  get finish(): { code: number; reason: string } | undefined {
    return this.#seldom?.finish;
  }
  set finish(finish: { code: number; reason: string } | undefined) {
    if (finish !== undefined || this.#seldom !== undefined) this.more.finish = finish;
  }

  /** The last error event of the socket. */
  get lastError(): Event | undefined {
    return this.#seldom?.lastError;
  }
  set lastError(event: Event | undefined) {
    if (event !== undefined || this.#seldom !== undefined) this.more.lastError = event;
  }

  /** The open step still running, if any. */
  get step(): Subscription | undefined {
    return this.#seldom?.step;
  }
  set step(step: Subscription | undefined) {
    if (step !== undefined || this.#seldom !== undefined) this.more.step = step;
  }

  /** Why the connection is being failed by the client (connect timeout, heartbeat, handshake), if it is. */
  get failure(): CloseKind | undefined {
    return this.#seldom?.failure;
  }
  set failure(kind: CloseKind | undefined) {
    if (kind !== undefined || this.#seldom !== undefined) this.more.failure = kind;
  }

  /** What failed it (a handshake's error). */
  get failureCause(): unknown {
    return this.#seldom?.failureCause;
  }
  set failureCause(cause: unknown) {
    if (cause !== undefined || this.#seldom !== undefined) this.more.failureCause = cause;
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
    // rxws's Node socket takes one sink instead of four EventTarget listeners.
    if (hasEventSink(socket) && socket[kEventSink] === undefined) {
      socket[kEventSink] = this;
      return;
    }
    const listeners = this.listeners;
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
    if (hasEventSink(socket) && socket[kEventSink] === this) {
      socket[kEventSink] = undefined;
      return;
    }
    for (const type of EVENT_TYPES) this.stopListening(socket, type); // (removing 'open' again is a no-op)
  }

  /** Takes this connection's `type` listener off `socket` (a listener or a handler attribute). */
  stopListening(socket: WebSocketLike, type: (typeof EVENT_TYPES)[number]): void {
    const listener = this.#seldom?.listeners?.[type];
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

/** The passive streams of a subject, and their read-only faces. */
export class PassiveStreams {
  state: BehaviorSubject<ConnectionState> | undefined = undefined;
  state$: Observable<ConnectionState> | undefined = undefined;
  status: BehaviorSubject<ConnectionStatus> | undefined = undefined;
  status$: Observable<ConnectionStatus> | undefined = undefined;
  open: Subject<Event> | undefined = undefined;
  open$: Observable<Event> | undefined = undefined;
  message: Subject<MessageEvent> | undefined = undefined;
  message$: Observable<MessageEvent> | undefined = undefined;
  error: Subject<Event> | undefined = undefined;
  error$: Observable<Event> | undefined = undefined;
  close: Subject<CloseEvent> | undefined = undefined;
  close$: Observable<CloseEvent> | undefined = undefined;
  decodeError: Subject<DecodeFailure> | undefined = undefined;
  decodeError$: Observable<DecodeFailure> | undefined = undefined;
  dropped: Subject<DroppedMessage> | undefined = undefined;
  dropped$: Observable<DroppedMessage> | undefined = undefined;

}

/** What a subject seldom sets, kept apart so an idle subject carries none of it. */
class SeldomState<In, Out> {
  queue: OutboundQueue | undefined = undefined;
  gate: EngineGate | undefined = undefined;
  adoptedEnd: CloseEvent | undefined = undefined;
  lastClose: { readonly event: CloseEvent; readonly byClient: boolean } | undefined = undefined;
  attempt = 0;
  reconnectHooks: ReconnectHooks | undefined = undefined;
  topics: TopicsSlot | undefined = undefined;
  reconnectHolds = 0;
  waiting: Connection<In, Out> | undefined = undefined;
  streams: PassiveStreams | undefined = undefined;
  gated = false;
}

/** @internal The state and behaviour behind a `WebSocketSubject`. */
export class SubjectCore<In, Out> implements ReconnectHost, GateHost {
  readonly config: NormalizedConfig<In, Out>;
  // The outbound queue, the send gate, reconnect()'s and topics' state: made on first write.
  #seldom: SeldomState<In, Out> | undefined = undefined;
  /** The live (or closing) connection. */
  current: Connection<In, Out> | undefined = undefined;
  /** The socket `next()` may write to at once (the current connection is OPEN). */
  openSocket: WebSocketLike | null = null;
  /** `state` with its details (reconnect attempt, delay, cause), as `status$` reports it. */
  status: ConnectionStatus = IDLE_STATUS;
  
  constructor(config: NormalizedConfig<In, Out>) {
    this.config = config;
    const backpressure = config.backpressure;
    if (backpressure) this.gate = backpressure.create(this);
    if (config.socket !== undefined) {
      // Server side: the socket is already connected (usually OPEN). Watch it from now on, so the
      // passive streams see it even before anyone subscribes.
      const connection = new Connection(this);
      this.current = connection;
      this.adopt(connection, config.socket, false);
    }
  }

  // A TS-private getter, not `#more` (a #-private accessor costs a brand slot per instance).
  private get more(): SeldomState<In, Out> {
    return (this.#seldom ??= new SeldomState());
  }

  /** Subscribers that arrived while `current` was closing: they connect once it has closed. */
  get waiting(): Connection<In, Out> | undefined {
    return this.#seldom?.waiting;
  }
  set waiting(connection: Connection<In, Out> | undefined) {
    if (connection !== undefined || this.#seldom !== undefined) this.more.waiting = connection;
  }

  /** Backpressure: true while `bufferedAmount` went above the high-water mark and has not yet fallen to the low one. */
  get gated(): boolean {
    const seldom = this.#seldom;
    return seldom !== undefined && seldom.gated;
  }
  set gated(gated: boolean) {
    if (gated || this.#seldom !== undefined) this.more.gated = gated;
  }

  /** The passive streams, made on first use (a subject nobody watches stays small). */
  get streams(): PassiveStreams | undefined {
    return this.#seldom?.streams;
  }

  /** The outbound queue, made on first use. */
  get queue(): OutboundQueue {
    return (this.more.queue ??= new OutboundQueue(this.config.queueLimit, this.config.overflow, this));
  }

  /** How many messages wait in the outbound queue. */
  get queued(): number {
    const queue = this.#seldom?.queue;
    return queue === undefined ? 0 : queue.length;
  }

  /** For a subject made with `socket`: set once that socket has closed (it cannot be reopened). */
  get adoptedEnd(): CloseEvent | undefined {
    return this.#seldom?.adoptedEnd;
  }
  set adoptedEnd(event: CloseEvent | undefined) {
    if (event !== undefined || this.#seldom !== undefined) this.more.adoptedEnd = event;
  }

  /** How the last connection closed, and whether the client closed it (read by request()). */
  get lastClose(): { readonly event: CloseEvent; readonly byClient: boolean } | undefined {
    return this.#seldom?.lastClose;
  }
  set lastClose(close: { readonly event: CloseEvent; readonly byClient: boolean } | undefined) {
    if (close !== undefined || this.#seldom !== undefined) this.more.lastClose = close;
  }

  /** The reconnect attempt the current connection is (0: not a reconnect); set by reconnect(). */
  get attempt(): number {
    return this.#seldom?.attempt ?? 0;
  }
  set attempt(attempt: number) {
    if (attempt !== 0 || this.#seldom !== undefined) this.more.attempt = attempt;
  }

  /** reconnect()'s coordinator on this subject, while one is attached. */
  get reconnectHooks(): ReconnectHooks | undefined {
    return this.#seldom?.reconnectHooks;
  }
  set reconnectHooks(hooks: ReconnectHooks | undefined) {
    if (hooks !== undefined || this.#seldom !== undefined) this.more.reconnectHooks = hooks;
  }

  /** Multiplexed topics and requests (topics.ts), made on first use; they outlive connections. */
  get topics(): TopicsSlot | undefined {
    return this.#seldom?.topics;
  }
  set topics(topics: TopicsSlot | undefined) {
    if (topics !== undefined || this.#seldom !== undefined) this.more.topics = topics;
  }

  /** How many reconnect() subscriptions hold the subject (see {@link holdForReconnect}). */
  get reconnectHolds(): number {
    return this.#seldom?.reconnectHolds ?? 0;
  }
  set reconnectHolds(holds: number) {
    if (holds !== 0 || this.#seldom !== undefined) this.more.reconnectHolds = holds;
  }

  /**
   * The open sequence, in order (see {@link OpenStep}): the user's handshake, if any, then the
   * multiplexed topics re-subscribing (and requests waiting for a connection going out). Made
   * per open, so an idle subject keeps no array for it.
   */
  get openSteps(): readonly OpenStep[] {
    const { handshake, serializer, deserializer } = this.config;
    return handshake === undefined ? TOPICS_STEP_ONLY : [handshakeStep(handshake as Handshake<In, Out>, serializer, deserializer), openTopics];
  }

  /** The connection's state (`status.state`). */
  get state(): ConnectionState {
    return this.status.state;
  }

  get passive(): PassiveStreams {
    return (this.more.streams ??= new PassiveStreams());
  }

  /** The send gate: the `backpressure` option's, or one `gate()`, `sendAll()`, … made (see send-gate.ts). */
  get gate(): EngineGate | undefined {
    return this.#seldom?.gate;
  }
  set gate(gate: EngineGate | undefined) {
    if (gate !== undefined || this.#seldom !== undefined) this.more.gate = gate;
  }

  /**
   * Sends `data` (already serialized) at once on the open connection, bypassing the queue (for
   * heartbeats, handshakes and subscription messages that must not be replayed later). Returns
   * false, sending nothing, when no connection is open.
   */
  sendNow(data: WebSocketMessage): boolean {
    const socket = this.current?.phase === SOCKET_OPEN ? this.current.socket : undefined;
    if (socket === undefined || socket.readyState !== OPEN) return false;
    socket.send(data);
    return true;
  }

  /**
   * For reconnect(): declares that the caller will resubscribe the subject after a connection
   * error, until it calls the returned release function. While held, multiplexed topics stay
   * subscribed across connection errors (re-subscribed by the next connection's open step) instead
   * of erroring their subscribers; once released while no connection is up, they end as the last
   * connection did.
   */
  holdForReconnect(): () => void {
    this.reconnectHolds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.reconnectHolds === 0) this.topics?.holdReleased();
    };
  }

  reportDrop(dropped: DroppedMessage): void {
    this.streams?.dropped?.next(dropped);
  }

  // ---- subscribe / unsubscribe ------------------------------------------------------------

  subscribe(subscriber: Subscriber<Out>): TeardownLogic {
    if (this.adoptedEnd !== undefined) {
      subscriber.error(
        new TypeError(
          `This WebSocketSubject serves one connection given as 'socket', which has closed (code ${this.adoptedEnd.code}); it cannot reconnect. Make a new subject for a new connection.`,
        ),
      );
      return undefined;
    }
    const current = this.current;
    let connection: Connection<In, Out>;
    if (current !== undefined && current.joinable) connection = current;
    else if (current !== undefined && !this.retires(current)) connection = this.waiting ??= new Connection(this);
    else {
      // No connection, or one the client is closing: this subscriber's connection starts now.
      connection = this.waiting ?? new Connection(this);
      this.waiting = undefined;
      this.current = connection;
    }
    connection.add(subscriber);
    if (connection === this.current && connection.phase === WAITING) this.start(connection);
    return teardownBy(subscriber, connection);
  }

  /**
   * Whether a new subscriber leaves `connection` to finish closing on its own and starts the next
   * one at once (as rxjs does): yes when the client is closing it (`complete()`, `error()`,
   * `close()`, `unsubscribe()`, the last subscriber leaving), whose subscribers complete whatever
   * happens next. A connection ending any other way (the server closing, a failure the client
   * detected) is waited for, so its end is reported, and reconnect() decides, before the next
   * one starts; a server-side subject has no next connection.
   */
  retires(connection: Connection<In, Out>): boolean {
    return connection.phase === CLOSING && connection.clientClosing && connection.failure === undefined && this.config.socket === undefined;
  }

  /** Every subscriber of `connection` has left. */
  lastLeft(connection: Connection<In, Out>): void {
    if (connection === this.waiting) {
      this.waiting = undefined;
      return;
    }
    // The last subscriber left: close with 1000 (at once, even while still connecting).
    if (connection === this.current) this.closeNow(connection, 1000, '');
  }

  // ---- connecting ------------------------------------------------------------------------

  start(connection: Connection<In, Out>): void {
    connection.phase = RESOLVING;
    connection.synchronous = true;
    this.setState('connecting');
    this.reconnectHooks?.connecting();
    try {
      const source = this.config.url;
      let url: unknown;
      try {
        url = typeof source === 'function' ? source() : source;
      } catch (error) {
        this.failBeforeSocket(connection, error);
        return;
      }
      if (isThenable(url)) {
        url.then(
          (resolved) => this.create(connection, resolved),
          (error: unknown) => this.failBeforeSocket(connection, error),
        );
      } else {
        this.create(connection, url);
      }
    } finally {
      connection.synchronous = false;
    }
  }

  /** The option that made this subject's sockets, for error messages. */
  socketSource(): string {
    const config = this.config;
    if (config.socket !== undefined) return "'socket'";
    if (config.factory !== undefined) return "'createWebSocket'";
    return config.Ctor !== undefined ? "'WebSocketCtor'" : "globalThis.WebSocket"; // (rxws's own WebSocket, the other default, always fits)
  }

  create(connection: Connection<In, Out>, url: unknown): void {
    if (connection.phase !== RESOLVING) return; // closed meanwhile
    if (typeof url !== 'string' && !(url instanceof URL)) {
      this.failBeforeSocket(connection, new TypeError(`webSocket(): 'url' returned ${url === null ? 'null' : typeof url}, not a string or URL.`));
      return;
    }
    let made: unknown;
    try {
      made = makeSocket(this.config as NormalizedConfig<unknown, unknown>, String(url));
    } catch (error) {
      this.failBeforeSocket(connection, error);
      return;
    }
    if (isThenable(made)) {
      made.then(
        (socket) => this.adopt(connection, socket, true),
        (error: unknown) => this.failBeforeSocket(connection, error),
      );
    } else {
      this.adopt(connection, made, true);
    }
  }

  adopt(connection: Connection<In, Out>, candidate: unknown, made: boolean): void {
    const missing = missingFromSocket(candidate);
    if (missing !== undefined) {
      this.failBeforeSocket(connection, new TypeError(`webSocket(): ${this.socketSource()} did not make a socket rxws can use: ${missing}.`));
      const close = made && candidate !== null && typeof candidate === 'object' ? (candidate as { close?: unknown }).close : undefined;
      if (typeof close === 'function') {
        try {
          close.call(candidate); // don't leave it connecting
        } catch {
          // nothing more to do for a socket nobody will use
        }
      }
      return;
    }
    const socket = candidate as WebSocketLike;
    if (made && connection.phase !== RESOLVING) {
      // The connection was closed while the factory ran: don't leave its socket behind.
      try {
        socket.close();
      } catch {
        // nothing more to do for a socket nobody will use
      }
      return;
    }
    const { binaryType } = this.config;
    // (A socket made with 'nodebuffer' in its Node options already reports it. On another rxws
    // socket, a factory's or an adopted one, 'nodebuffer' is the Node option, not the attribute.)
    if (binaryType !== undefined && socket.binaryType !== binaryType) {
      if (binaryType === 'nodebuffer' && takesBinaryTypeOption(socket)) socket[kBinaryTypeOption] = binaryType;
      else socket.binaryType = binaryType;
    }
    connection.attach(socket);
    const readyState = socket.readyState;
    if (readyState === CONNECTING) {
      connection.phase = SOCKET_CONNECTING;
      this.setState('connecting');
    } else if (readyState === OPEN) {
      if (made) {
        // A factory handed over a socket that is already open: it has fired its open event.
        connection.phase = SOCKET_CONNECTING;
        this.opened(connection, new Event('open'));
      } else {
        // An adopted server-side socket: open from the start (no open event to report).
        connection.phase = SOCKET_OPEN;
        this.setState('open');
        this.startHeartbeat(connection);
        this.runOpenSteps(connection, this.openSteps, 0);
      }
    } else {
      connection.detach();
      connection.socket = undefined;
      connection.phase = RESOLVING;
      this.failBeforeSocket(connection, new TypeError('webSocket(): the socket is already closing or closed.'));
    }
  }

  // ---- socket events ---------------------------------------------------------------------

  opened(connection: Connection<In, Out>, event: Event): void {
    if (connection.phase !== SOCKET_CONNECTING) {
      // A socket the client gave up on while it was connecting has opened anyway (a real one
      // cannot, a test double may): close it, as rxjs does.
      if (connection.phase === CLOSING && connection.abandoned) connection.socket?.close(1000, '');
      return;
    }
    connection.phase = SOCKET_OPEN;
    const socket = connection.socket!;
    if (!hasEventSink(socket) || socket[kEventSink] !== connection) connection.stopListening(socket, 'open'); // fires once; an idle connection keeps three listeners (or rxws's one event sink)
    this.setState('open');
    this.startHeartbeat(connection);
    const { openObserver } = this.config;
    if (openObserver !== undefined) callObserver(openObserver, event);
    this.streams?.open?.next(event);
    if (connection.phase !== SOCKET_OPEN) return; // an observer closed it
    this.runOpenSteps(connection, this.openSteps, 0);
  }

  /** Runs the open steps from `index`; once all have completed, the connection is ready. */
  runOpenSteps(connection: Connection<In, Out>, steps: readonly OpenStep[], index: number): void {
    const socket = connection.socket!;
    const opening: OpeningConnection = {
      socket,
      send: (data) => {
        if (connection.phase !== SOCKET_OPEN || socket.readyState !== OPEN) return false;
        socket.send(data);
        return true;
      },
      listen: (onMessage, onClose) => {
        if (listensThroughEventTarget(socket)) {
          socket.addEventListener!('message', onMessage);
          socket.addEventListener!('close', onClose);
          return () => {
            socket.removeEventListener!('message', onMessage);
            socket.removeEventListener!('close', onClose);
          };
        }
        // A socket driven through its handler attributes has room for one listener each (the
        // connection's): listen through the subject's passive streams instead.
        const streams = this.passive;
        const messages = (streams.message ??= new Subject<MessageEvent>()).subscribe((event) => {
          if (connection.socket === socket) onMessage(event);
        });
        const closes = (streams.close ??= new Subject<CloseEvent>()).subscribe(() => {
          if (connection.phase === CLOSED) onClose();
        });
        return () => {
          messages.unsubscribe();
          closes.unsubscribe();
        };
      },
    };
    while (index < steps.length) {
      if (connection.phase !== SOCKET_OPEN) return;
      const step = steps[index++]!;
      let result: ObservableInput<unknown> | void;
      try {
        result = step(opening, this);
      } catch (error) {
        this.openStepFailed(connection, error);
        return;
      }
      if (result === undefined || result === null) continue;
      let completed = false;
      let synchronous = true;
      const resume = index;
      const subscription = from(result).subscribe({
        error: (error: unknown) => this.openStepFailed(connection, error),
        complete: () => {
          completed = true;
          connection.step = undefined;
          if (!synchronous) this.runOpenSteps(connection, steps, resume);
        },
      });
      synchronous = false;
      if (!completed) {
        if (connection.phase === SOCKET_OPEN && !subscription.closed) connection.step = subscription;
        return;
      }
    }
    if (connection.phase !== SOCKET_OPEN) return;
    // Ready: queued messages go out in order, then next() writes directly.
    connection.ready = true;
    this.openSocket = socket;
    this.#seldom?.gate?.attach(socket);
    this.flush();
    this.finishIfDrained(connection);
    this.#seldom?.gate?.notify();
    if (connection === this.current && connection.phase === SOCKET_OPEN) this.reconnectHooks?.ready();
  }

  /** Starts the connection's heartbeat (the `heartbeat` option), if configured. */
  startHeartbeat(connection: Connection<In, Out>): void {
    const config = this.config.heartbeat;
    const socket = connection.socket;
    if (config === undefined || socket === undefined) return;
    connection.heartbeat = config.start(
      socket,
      (ping) => {
        // Application-level pings go straight to the socket once the connection is ready: never
        // queued, never replayed, never before the handshake.
        if (connection.ready && this.openSocket === socket && socket.readyState === OPEN) socket.send(this.config.serializer(ping as In));
      },
      () => this.abort(connection, 'heartbeat'),
    );
  }

  /** Whether `value` is the heartbeat's application-level pong. */
  isPong(value: Out): boolean {
    const isPong = this.config.heartbeat?.isPong;
    if (isPong === undefined) return false;
    try {
      return isPong(value);
    } catch (error) {
      reportUnhandledError(error);
      return false;
    }
  }

  /** {@link abort} on the current connection, if any (reconnect's connectTimeout). */
  abortCurrent(kind: 'timeout' | 'heartbeat'): void {
    const connection = this.current;
    if (connection !== undefined) this.abort(connection, kind);
  }

  /**
   * Fails `connection` from the client's side as dead or too slow (`'timeout'`: reconnect's
   * connectTimeout; `'heartbeat'`: a missed deadline). Its subscribers error with a
   * WebSocketCloseError of that kind and code 1006 (never a synthetic 1000), and no socket is
   * left behind: one still connecting is closed (the handshake fails with 1006); an open one is
   * terminated on Node, and elsewhere closed while the subject treats it as closed at once
   * (a dead peer would never complete the closing handshake).
   */
  abort(connection: Connection<In, Out>, kind: 'timeout' | 'heartbeat'): void {
    const phase = connection.phase;
    if (phase === WAITING || phase >= CLOSING || connection.failure !== undefined) return;
    connection.failure = kind;
    connection.heartbeat?.stop();
    if (phase === RESOLVING) {
      connection.synchronous = false;
      this.failBeforeSocket(connection, new Error(kind === 'timeout' ? 'The connection did not open in time.' : 'The heartbeat found the connection dead.'));
      return;
    }
    const socket = connection.socket!;
    connection.phase = CLOSING;
    if (this.openSocket === socket) {
      this.openSocket = null;
      this.#seldom?.gate?.detach();
    }
    connection.step?.unsubscribe();
    connection.step = undefined;
    if (phase === SOCKET_CONNECTING) {
      socket.close(); // fails the opening handshake: error, then close 1006
      return;
    }
    const controls = getNodeControls(socket);
    if (controls !== undefined) {
      controls.terminate(); // destroys the TCP socket: the close event (1006) follows
      return;
    }
    // Treated as closed now (detached first, so the socket's own close event, whenever it comes, is not reported).
    this.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
    try {
      socket.close(1000, kind === 'timeout' ? 'connect timeout' : 'heartbeat timeout');
    } catch {
      // already closing
    }
  }

  /** A complete()/error() waiting for the queue: close once the send gate let all of it out. */
  finishIfDrained(connection: Connection<In, Out>): void {
    const finish = connection.finish;
    if (finish !== undefined && connection.phase === SOCKET_OPEN && !(this.gated && this.queued > 0)) {
      connection.finish = undefined;
      this.startClosingHandshake(connection, finish.code, finish.reason);
    }
  }

  /** The send gate reopened (bufferedAmount fell to the low-water mark): flush, then a waiting close. */
  gateOpened(): void {
    this.flush();
    const connection = this.current;
    if (connection !== undefined && connection.ready && this.openSocket === connection.socket) this.finishIfDrained(connection);
  }

  /** An open step failed: its error goes to the subscribers, and the connection is closed. */
  openStepFailed(connection: Connection<In, Out>, error: unknown): void {
    if (connection.phase !== SOCKET_OPEN) return;
    connection.step = undefined;
    // The subscribers error once the socket has closed, with a WebSocketCloseError of kind
    // 'handshake' (the real close code, the step's error as cause), so reconnect() can tell.
    connection.failure = 'handshake';
    connection.failureCause = error;
    this.beginClientClose(connection);
    this.startClosingHandshake(connection, 1000, '');
  }

  errored(connection: Connection<In, Out>, event: Event): void {
    if (connection.phase === CLOSED) return;
    connection.lastError = event;
    this.streams?.error?.next(event);
  }

  closed(connection: Connection<In, Out>, event: CloseEvent): void {
    if (connection.phase === CLOSED) return;
    connection.step?.unsubscribe();
    connection.step = undefined;
    connection.heartbeat?.stop();
    connection.heartbeat = undefined;
    connection.detach();
    connection.phase = CLOSED;
    if (this.openSocket === connection.socket) {
      this.openSocket = null;
      this.#seldom?.gate?.detach();
    }
    connection.socket = undefined;
    const isCurrent = connection === this.current;
    let next: Connection<In, Out> | undefined;
    if (isCurrent) {
      next = this.waiting;
      this.waiting = undefined;
      this.current = next;
      if (this.config.socket !== undefined) this.adoptedEnd = event;
      this.setState('closed');
    }
    const { closeObserver } = this.config;
    if (closeObserver !== undefined) callObserver(closeObserver, event);
    this.streams?.close?.next(event);
    const failure = connection.failure;
    const byClient = failure === undefined && connection.clientClosing;
    this.lastClose = { event, byClient };
    // A close frame without a status code is reported as 1005 (a test double's event may carry no code at all).
    const code = typeof event.code === 'number' ? event.code : 1005;
    const wasClean = event.wasClean === true;
    // A clean close with 1000, or with no code (1005), is the server's normal end, as in rxjs.
    const completes = failure === undefined && (connection.clientClosing || (wasClean && (code === 1000 || code === 1005)));
    const hooks = isCurrent ? this.reconnectHooks : undefined;
    let error: WebSocketCloseError | undefined;
    if (hooks !== undefined || (!completes && connection.observed)) {
      const lastError = connection.lastError;
      const cause = failure === 'handshake' ? connection.failureCause : lastError === undefined ? undefined : ((lastError as ErrorEvent).error ?? lastError);
      const kind = failure ?? (lastError !== undefined ? 'error' : 'close');
      error = new WebSocketCloseError({ code, reason: typeof event.reason === 'string' ? event.reason : '', wasClean, cause, kind });
    }
    // reconnect() decides (and reports 'reconnecting' or 'exhausted') before the subscribers hear of it.
    if (hooks !== undefined) hooks.ended(error!, byClient);
    const observers = connection.takeObservers();
    if (completes) {
      for (let i = 0; i < observers.length; i++) observers[i]!.complete();
    } else if (observers.length > 0) {
      for (let i = 0; i < observers.length; i++) observers[i]!.error(error!);
    }
    if (next !== undefined && this.current === next && next.phase === WAITING) {
      if (this.adoptedEnd !== undefined) {
        this.current = undefined;
        for (const s of next.takeObservers()) this.subscribe(s); // each gets the "cannot reconnect" error
      } else if (next.observed) {
        this.start(next);
      } else {
        this.current = undefined;
      }
    }
  }

  /** A connection that never got a socket (or whose socket could not be used) failed. */
  failBeforeSocket(connection: Connection<In, Out>, cause: unknown): void {
    if (connection.synchronous) {
      // Report asynchronously, as a socket would: never inside the subscribe() that started it.
      queueMicrotask(() => this.failBeforeSocket(connection, cause));
      return;
    }
    if (connection.phase === CLOSED) return;
    const message = messageOf(cause) ?? String(cause);
    this.errored(connection, new PlatformErrorEvent('error', { message, error: cause }));
    this.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
  }

  decodeFailed(connection: Connection<In, Out>, event: MessageEvent, error: unknown): void {
    if (this.config.onDecodeError === 'emit') {
      this.streams?.decodeError?.next({ event, error });
      return;
    }
    // 'error': as rxjs, every subscriber errors, and the connection (left without subscribers)
    // closes with 1000. It is closing before they hear of it, so a retry() joins the next one.
    const observers = connection.takeObservers();
    if (connection === this.current) this.closeNow(connection, 1000, '');
    for (let i = 0; i < observers.length; i++) observers[i]!.error(error);
  }

  // ---- sending ---------------------------------------------------------------------------

  next(value: In): void {
    const data = this.config.serializer(value);
    const socket = this.openSocket;
    if (socket !== null && this.queued === 0 && !this.gated && socket.readyState === OPEN) {
      socket.send(data);
      this.gate?.written(socket);
      return;
    }
    this.queue.push(data);
  }

  /** Sends the queued messages in order, in one loop, while the socket stays OPEN and the send gate open. */
  flush(): void {
    const queue = this.#seldom?.queue;
    const socket = this.openSocket;
    if (socket === null || queue === undefined) return;
    while (queue.length > 0 && !this.gated && this.openSocket === socket && socket.readyState === OPEN) {
      const data = queue.shift()!;
      try {
        socket.send(data);
      } catch (error) {
        queue.dropped(data, error);
        continue;
      }
      this.gate?.written(socket);
    }
  }

  // ---- closing ---------------------------------------------------------------------------

  /** close(), unsubscribe(), last unsubscribe: close now (abort a connection still connecting). */
  closeNow(connection: Connection<In, Out>, code: number, reason: string): void {
    const phase = connection.phase;
    if (phase >= CLOSING) return;
    if (phase === WAITING) {
      // Never started: nothing to close.
      connection.phase = CLOSED;
      if (this.current === connection) this.current = undefined;
      if (this.waiting === connection) this.waiting = undefined;
      return;
    }
    this.beginClientClose(connection);
    if (phase === RESOLVING) {
      // No socket yet: the attempt just ends.
      connection.synchronous = false;
      this.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
      return;
    }
    if (phase === SOCKET_CONNECTING) {
      connection.phase = CLOSING;
      connection.abandoned = true;
      if (this.current === connection) this.setState('closing');
      connection.socket!.close(); // fails the handshake; error and close events follow
      return;
    }
    this.startClosingHandshake(connection, code, reason);
  }

  /** complete(), error(): close once open, after the queue is flushed. */
  closeWhenFlushed(connection: Connection<In, Out>, code: number, reason: string): void {
    if (connection.phase >= CLOSING || connection.finish !== undefined) return;
    if (connection.phase === SOCKET_OPEN && connection.ready) {
      this.beginClientClose(connection);
      this.flush();
      connection.finish = { code, reason };
      this.finishIfDrained(connection); // under backpressure: once the gate has let the queue out
      return;
    }
    if (connection.clientClosing) return;
    this.beginClientClose(connection);
    connection.finish = { code, reason };
  }

  /**
   * `error({ code, reason })` with a code or reason WHATWG sockets refuse: when the connection is
   * open with nothing queued, they are handed to the socket as they are, as rxjs does, and it
   * decides (a WHATWG socket throws to the caller before anything changed; a test double may
   * accept them). False, doing nothing: no such connection (the caller throws the validation error).
   */
  closeOpenWith(code: unknown, reason: unknown): boolean {
    const connection = this.current;
    if (connection === undefined || this.waiting !== undefined || connection.phase !== SOCKET_OPEN || !connection.ready || this.queued > 0) return false;
    const socket = connection.socket!;
    socket.close(code as number, reason as string | undefined);
    this.reconnectHooks?.userClosed();
    this.beginClientClose(connection);
    if (connection.phase !== SOCKET_OPEN) return true; // the closingObserver or the socket closed it meanwhile
    connection.phase = CLOSING;
    if (this.openSocket === socket) {
      this.openSocket = null;
      this.#seldom?.gate?.detach();
    }
    this.setState('closing');
    return true;
  }

  /** The connection a client close applies to: the one subscribers will next see. */
  get target(): Connection<In, Out> | undefined {
    return this.waiting ?? this.current;
  }

  /** close(code, reason) and unsubscribe() on the subject: waiting subscribers complete too. */
  closeAll(code: number, reason: string): void {
    this.reconnectHooks?.userClosed();
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      for (const s of waiting.takeObservers()) s.complete();
    }
    const current = this.current;
    if (current !== undefined) this.closeNow(current, code, reason);
  }

  beginClientClose(connection: Connection<In, Out>): void {
    if (connection.clientClosing) return;
    connection.clientClosing = true;
    const { closingObserver } = this.config;
    if (closingObserver !== undefined) callObserver(closingObserver, undefined);
  }

  startClosingHandshake(connection: Connection<In, Out>, code: number, reason: string): void {
    const socket = connection.socket!;
    connection.step?.unsubscribe();
    connection.step = undefined;
    connection.phase = CLOSING;
    if (this.openSocket === socket) {
      this.openSocket = null;
      this.#seldom?.gate?.detach();
    }
    if (this.current === connection) this.setState('closing');
    socket.close(code, reason);
  }

  // ---- state -----------------------------------------------------------------------------

  setState(state: ConnectionState): void {
    if (this.state === state) return;
    // Plain states share one frozen status each; a reconnect attempt gets its own.
    this.setStatus(state === 'connecting' && this.attempt !== 0 ? { state, attempt: this.attempt } : PLAIN_STATUS[state]);
  }

  /**
   * `subject.reconnect()`: with a reconnect() attached, attempt at once (a pending backoff delay
   * is skipped; after `'exhausted'`, the count starts afresh). Without one, an `'exhausted'` state
   * is cleared (to `'closed'`, attempt count 0).
   */
  reconnectNow(): void {
    const hooks = this.reconnectHooks;
    if (hooks !== undefined) {
      hooks.now();
      return;
    }
    this.attempt = 0;
    if (this.state === 'exhausted') this.setState('closed');
  }

  /** Sets the state with its details (reconnect() reports attempts, delays and causes this way). */
  setStatus(status: ConnectionStatus): void {
    const changed = this.state !== status.state;
    this.status = status;
    if (changed) this.streams?.state?.next(status.state);
    this.streams?.status?.next(status);
  }

  get bufferedAmount(): number {
    return this.current?.socket?.bufferedAmount ?? 0;
  }

  /** True while any subscriber is connected or waiting to be. */
  get observed(): boolean {
    return this.current?.observed === true || this.waiting?.observed === true;
  }
}

/** Checks the argument of `error()` / `close()`: a code the client may send, and a short reason. */
export function parseClientClose(code: unknown, reason: unknown): { code: number; reason: string } {
  const request = parseCloseArguments(code, reason);
  return { code: request.code ?? 1000, reason: request.reason };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}


/** Calls a config observer; a throw is reported as rxjs reports unhandled errors, never breaking the connection's bookkeeping. */
function callObserver<T>(observer: { next: (value: T) => void }, value: T): void {
  try {
    observer.next(value);
  } catch (error) {
    reportUnhandledError(error);
  }
}

