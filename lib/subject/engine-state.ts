// The state of a subject's engine: its connection now (and the one waiting for it), the outbound
// queue, the status (with reconnect() details), the passive streams, and the slots optional
// capabilities plug into. The behaviour is in the classes above it: engine-connect.ts (connect and
// open), engine-close.ts (every close path) and core.ts (sending).
import type { CloseEvent } from '../websocket/events.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import type { NormalizedConfig } from './config.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import { Connection, OPEN, SOCKET_OPEN } from './connection.js';
import type { EngineGate, EngineSession, GateHost } from './features.js';
import type { TopicsSlot } from './open-step.js';
import { OutboundQueue, type DroppedMessage } from './outbound-queue.js';
import { PassiveStreams } from './passive-streams.js';
import type { ReconnectHooks, ReconnectHost } from './reconnect-host.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import type { Traced, Tracer } from './lifecycle.js';
import { defaultTracer } from './diagnostics.js';

const frozen = (status: ConnectionStatus): ConnectionStatus => Object.freeze(status);
/** The states that have no details (`'reconnecting'` and `'exhausted'` always come with theirs, through setStatus). */
type PlainState = Exclude<ConnectionState, 'reconnecting' | 'exhausted'>;
/** The status of each state without details (a connecting one is the first attempt). */
const PLAIN_STATUS: Readonly<Record<PlainState, ConnectionStatus>> = {
  idle: frozen({ state: 'idle' }),
  connecting: frozen({ state: 'connecting', attempt: 0 }),
  open: frozen({ state: 'open' }),
  closing: frozen({ state: 'closing' }),
  closed: frozen({ state: 'closed' }),
};
const IDLE_STATUS = PLAIN_STATUS.idle;

/** @internal The state a subject's engine keeps (see the header). */
export abstract class EngineState<In, Out> implements ReconnectHost, GateHost {
  declare readonly config: NormalizedConfig<In, Out>;
  /** The live (or closing) connection. */
  current: Connection<In, Out> | undefined;
  /** The socket `next()` may write to at once (the current connection is OPEN). */
  openSocket: WebSocketLike | null = null;
  /** `state` with its details (reconnect attempt, delay, cause), as `status$` reports it. */
  status: ConnectionStatus = IDLE_STATUS;
  
  /** Subscribers that arrived while `current` was closing: they connect once it has closed. */
  waiting: Connection<In, Out> | undefined;

  /** Backpressure: true while `bufferedAmount` went above the high-water mark and has not yet fallen to the low one. */
  gated = false;

  /** The outbound queue if one was made (for flushing without making one). */
  queueIfAny: OutboundQueue | undefined;

  /** The passive streams, made on first use (a subject nobody watches stays small). */
  streams: PassiveStreams | undefined;

  /** For a subject made with `socket`: set once that socket has closed (it cannot be reopened). */
  adoptedEnd: CloseEvent | undefined;

  /** How the last connection closed, and whether the client closed it (read by request()). */
  lastClose: { readonly event: CloseEvent; readonly byClient: boolean } | undefined;

  /** The reconnect attempt the current connection is (0: not a reconnect); set by reconnect(). */
  attempt = 0;

  /** reconnect()'s coordinator on this subject, while one is attached. */
  reconnectHooks: ReconnectHooks | undefined;

  /** Multiplexed topics and requests (topics.ts), made on first use; they outlive connections. */
  topics: TopicsSlot | undefined;

  /** How many reconnect() subscriptions hold the subject (see {@link holdForReconnect}). */
  reconnectHolds = 0;

  /** The send gate: the `backpressure` option's, or one `gate()`, `sendAll()`, … made (see send-gate.ts). */
  gate: EngineGate | undefined;

  /** The resumable session (the `session` option), which numbers, acknowledges and replays messages. */
  session: EngineSession | undefined;

  /**
   * Where lifecycle events go (lifecycle.ts): on Node, `node:diagnostics_channel` (diagnostics.ts);
   * `logLifecycle()` (rxws/observe) chains a log to it. None in browsers until then (not even
   * the field: see the constructor).
   */
  declare tracer: Tracer | undefined;

  /** The connection of the last lifecycle event, which a reconnect's and a drop's events name. */
  declare traced?: Traced;

  constructor(config: NormalizedConfig<In, Out>) {
    this.config = config;
    if (defaultTracer) this.tracer = defaultTracer; // (the browser build's is undefined: this line is dropped from bundles)
  }

  /** The outbound queue, made on first use. */
  get queue(): OutboundQueue {
    return (this.queueIfAny ??= new OutboundQueue(this.config.queueLimit, this.config.overflow, this));
  }

  /** How many messages wait in the outbound queue. */
  get queued(): number {
    const queue = this.queueIfAny;
    return queue === undefined ? 0 : queue.length;
  }

  /** The connection's state (`status.state`). */
  get state(): ConnectionState {
    return this.status.state;
  }

  get passive(): PassiveStreams {
    return (this.streams ??= new PassiveStreams());
  }

  /**
   * Sends `data` (already serialized) at once on the open connection, bypassing the queue (for
   * heartbeats, handshakes and subscription messages that must not be replayed later). Returns
   * false, sending nothing, when no connection is open.
   */
  sendNow(data: WebSocketMessage): boolean {
    const socket = this.current?.phase === SOCKET_OPEN ? this.current.socket : undefined;
    if (socket === undefined || socket.readyState !== OPEN) return false;
    return this.sendDirect(socket, data);
  }

  /**
   * Writes a message that is not from the outbound queue (a handshake's, a ping, a topic's
   * subscribe): outside a session's sequence. False if the session cannot send yet.
   */
  sendDirect(socket: WebSocketLike, data: WebSocketMessage): boolean {
    const session = this.session;
    if (session !== undefined) return session.direct(data);
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
    this.tracer?.('drop', dropped);
    this.streams?.dropped?.next(dropped);
  }

  // ---- subscribe / unsubscribe ------------------------------------------------------------

  /** The connection a client close applies to: the one subscribers will next see. */
  get target(): Connection<In, Out> | undefined {
    return this.waiting ?? this.current;
  }

  setState(state: PlainState): void {
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

  /** Sets the state with its details (reconnect() reports attempts, delays and causes this way), and returns them. */
  setStatus(status: ConnectionStatus): ConnectionStatus {
    const changed = this.state !== status.state;
    this.status = status;
    if (changed) this.streams?.state?.next(status.state);
    this.streams?.status?.next(status);
    return status;
  }

  get bufferedAmount(): number {
    return this.current?.socket?.bufferedAmount ?? 0;
  }

  /** True while any subscriber is connected or waiting to be. */
  get observed(): boolean {
    return this.current?.observed === true || this.waiting?.observed === true;
  }
  /** @internal The send gate reopened (engine-close.ts). */
  abstract gateOpened(): void;
}

/** Calls a config observer; a throw is reported as rxjs reports unhandled errors, never breaking the connection's bookkeeping. */
export function callObserver<T>(observer: { next: (value: T) => void }, value: T): void {
  try {
    observer.next(value);
  } catch (error) {
    reportUnhandledError(error);
  }
}
