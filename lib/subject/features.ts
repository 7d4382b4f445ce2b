// The engine's extension points: what an optional capability (send gate, heartbeat, topics)
// plugs into a subject's engine. Types and a brand only, so the engine carries none of their code:
// an application pays for a capability only when it imports the function that makes it.
import type { Observable } from 'rxjs';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';

/**
 * The brand of a capability given in the config (`heartbeat: heartbeat()`, `backpressure:
 * backpressure()`), so the config can tell it from the plain objects of earlier versions.
 * `Symbol.for('rxws.feature')`, shared by the ESM and CommonJS builds.
 */
export const kFeature: unique symbol = Symbol.for('rxws.feature') as never;

/** @internal Whether `value` is the capability `name`, made by its function. */
export function isFeature(value: unknown, name: string): boolean {
  return value !== null && typeof value === 'object' && (value as { [kFeature]?: unknown })[kFeature] === name;
}

/** @internal A send gate plugged into the engine (see lib/subject/send-gate.ts). */
export interface EngineGate {
  /** A message went out on `socket` (close the gate if `bufferedAmount` is above the high-water mark). */
  written(socket: WebSocketLike): void;
  /** A connection became ready on `socket`. */
  attach(socket: WebSocketLike): void;
  /** The ready connection is closing or closed. */
  detach(): void;
  /** Writing may be possible again: tell the producers waiting for it. */
  notify(): void;
}

/** @internal What the engine gives a gate it makes (see {@link BackpressureOption}). */
export interface GateHost {
  /** The socket `next()` writes to (the connection is open and ready), or null. */
  readonly openSocket: WebSocketLike | null;
  /** The current connection, if any (its socket may still be connecting). */
  readonly current: { readonly socket: WebSocketLike | undefined } | undefined;
  /** How many messages wait in the outbound queue. */
  readonly queued: number;
  /** True while the gate holds `next()` (set by the gate). */
  gated: boolean;
  /** The subject's send gate, once there is one. */
  gate: EngineGate | undefined;
  /** The `backpressure` option (`false`: never gate; undefined: the defaults, once a gate is wanted). */
  readonly config: { readonly backpressure: BackpressureOption | false | undefined };
  /** The gate reopened: flush the queue, then finish a close that waited for it. */
  gateOpened(): void;
}

/** The `backpressure` option of `webSocket()`, made by `backpressure()`. */
export interface BackpressureOption {
  /** @internal */
  readonly [kFeature]: 'backpressure';
  /** @internal Makes the subject's gate. */
  create(host: GateHost): EngineGate;
}

/**
 * The `handshake` option of `webSocket()`, made by `handshake()`.
 *
 * @typeParam In what the handshake sends.
 * @typeParam Out what it receives.
 */
export interface HandshakeOption<In = unknown, Out = unknown> {
  /** @internal */
  readonly [kFeature]: 'handshake';
  /** @internal Phantom: the message types (for inference from the config). */
  readonly types?: (value: In) => Out;
  /**
   * @internal Runs the handshake on `connection` of `engine`, which just opened: calls the
   * engine's `becomeReady(connection)` once it completes, `openStepFailed(connection, error)` if
   * it fails (lib/subject/handshake.ts).
   */
  run(engine: object, connection: object): void;
}

/** @internal One connection's heartbeat, as the engine drives it. */
export interface EngineHeartbeat {
  /** A sign of life since the last ping (the engine sets it on every inbound message). */
  alive: boolean;
  /** Stops its timers and listeners. */
  stop(): void;
}

/**
 * The `heartbeat` option of `webSocket()`, made by `heartbeat()`.
 *
 * @typeParam In what the subject sends (an application-level ping is one).
 * @typeParam Out what the subject receives (an application-level pong is one).
 */
export interface HeartbeatOption<In = unknown, Out = unknown> {
  /** @internal */
  readonly [kFeature]: 'heartbeat';
  /** @internal Recognises the application-level pong (not passed to subscribers). */
  readonly isPong: ((message: Out) => boolean) | undefined;
  /**
   * The measured round trip of each ping, in ms: one value per pong (a protocol pong on Node, the
   * application's pong where `ping`/`isPong` are given), of every connection of every subject
   * this heartbeat is given to (give each subject its own `heartbeat()` to tell them apart). The
   * subject's `status$` carries the last one too: `{ state: 'open', latency }`. Passive
   * heartbeats (no pings) measure nothing. Measured on the heartbeat's `scheduler` clock.
   *
   * @example
   * const beat = heartbeat();
   * webSocket({ url, heartbeat: beat }).subscribe(render);
   * beat.latency$.subscribe((ms) => metrics.histogram('ws.rtt', ms));
   */
  readonly latency$: Observable<number>;
  /**
   * @internal Starts one open connection's heartbeat: `send(ping)` sends the application-level
   * ping `ping()` makes (called, serialized and sent straight to the socket only once the
   * connection is ready); on a missed deadline the heartbeat fails `connection` of `engine`
   * itself (lib/subject/abort.ts).
   */
  start(socket: WebSocketLike, send: (ping: () => In) => void, engine: object, connection: object): EngineHeartbeat;
}

/**
 * A session start, as `session$` tells it (see `resumable()` in `rxws/session`): `'new'` (a new
 * session: the first, or the server did not know the one asked for), `'resumed'` (the session
 * carried on; nothing was lost), or `'lost'` (the session the client tried to resume is gone:
 * `unacknowledged` are the messages the server never acknowledged, serialized, oldest first,
 * including those given to `next()` while away; none of them is sent again by itself). A `'lost'`
 * is followed by the `'new'` that replaces it.
 *
 * @example
 * orders.session$.subscribe((s) => s.kind === 'lost' && resendOrDiscard(s.unacknowledged));
 */
export type SessionEvent =
  | {
      /** A new session, or the session carried on. */
      readonly kind: 'new' | 'resumed';
      /** The session's id (opaque; never log it in full). */
      readonly id: string;
    }
  | {
      /** The session the client tried to resume is gone. */
      readonly kind: 'lost';
      /** The id of the session that is gone. */
      readonly id: string;
      /** What the server never acknowledged, serialized, oldest first; not sent again by itself. */
      readonly unacknowledged: readonly WebSocketMessage[];
    };

/** @internal A subject's session (lib/session/client-session.ts), as the engine drives it. */
export interface EngineSession {
  /** The session starts: `new`, `resumed`, `lost`. */
  readonly events: Observable<SessionEvent>;
  /**
   * The first step of the open sequence of `connection` (just opened): negotiate, resume, replay;
   * then call the engine's `continueOpen(connection)`, or fail the connection.
   */
  open(connection: object): void;
  /** Sends an application message (next(), the queue) on the ready connection: numbered, kept until acknowledged. */
  send(data: WebSocketMessage): void;
  /** Sends a message outside the sequence (a handshake's, a heartbeat ping, a topic's subscribe); false before the session is established. */
  direct(data: WebSocketMessage): boolean;
  /** A message arrived on `connection`: the application message it carries, or undefined (a control frame, a duplicate). */
  receive(connection: object, event: MessageEvent): MessageEvent | undefined;
  /** `connection` closed (before the engine reports it: the session may fail it). */
  closed(connection: object, event: { readonly code?: number; readonly wasClean?: boolean }): void;
  /** @internal rxws/shared's leader (lib/shared/leader-session.ts): told of each seq the session gives, acknowledges and receives. */
  tap?: SessionTap;
  /**
   * @internal rxws/shared: this (unused) session resumes session `id`, having received up to
   * `received`, that another tab's session numbered: the server's welcome says how many it got.
   */
  seed?(id: string, received: number): void;
}

/** @internal What a session tells rxws/shared's leader, synchronously. */
export interface SessionTap {
  /** `next()`'s oldest message not numbered yet gets `seq`: called before it is written to the socket. */
  sent(seq: number): void;
  /** The server acknowledged every message up to `ack` (a resume's welcome included). */
  acknowledged(ack: number): void;
  /** Message `seq` arrived (not a duplicate): the engine delivers it next. */
  received(seq: number): void;
  /** How much of what was `received` the session may acknowledge (what every tab has). */
  ackable(received: number): number;
}

/** The `session` option of `webSocket()`, made by `resumable()` (`rxws/session`). */
export interface SessionOption {
  /** @internal */
  readonly [kFeature]: 'session';
  /**
   * @internal Checks the rest of the (normalized) config against the session, and sets what the
   * session needs (its subprotocol, a binaryType it can read synchronously).
   * @throws TypeError naming the option that cannot go with a session.
   */
  configure(config: { protocol: string | string[] | undefined; socket: unknown; binaryType: string | undefined }): void;
  /** @internal Makes the subject's session. */
  create(engine: object): EngineSession;
  /** @internal The options `resumable()` was given (plain data: rxws/shared sends them to its SharedWorker). */
  readonly options?: object;
}
