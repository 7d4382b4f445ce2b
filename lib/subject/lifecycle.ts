// A connection's lifecycle as observability sees it: the events (their types, public), and the one
// function that builds an event from what the engine already has at hand, so the engine's call
// sites pass raw objects and nothing is built unless someone listens (trace.ts decides).
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import type { DropReason } from './outbound-queue.js';

/**
 * Who closed a connection, as the `close` lifecycle event says: `'client'` (this side started it:
 * `close()`, `complete()`, `error()`, the last unsubscribe, a failed heartbeat, connect timeout or
 * handshake), `'server'` (the server sent a close frame), or `'network'` (no close frame from
 * either side: the connection was refused, reset or lost, or never got a socket).
 */
export type ClosedBy = 'client' | 'server' | 'network';

/** What each lifecycle event carries besides its `type`, `id` and `url`. */
export interface LifecycleDetails {
  /** A connection starts: its URL is known, its socket is about to be made. */
  connect: {};
  /** The socket opened. */
  open: {
    /** The subprotocol the server chose (`''`: none). */
    readonly protocol: string;
    /** The extensions the server accepted (`''`: none), e.g. `'permessage-deflate'`. */
    readonly extensions: string;
    /** From `connect` to `open`, in ms (the URL factory's time excluded). */
    readonly handshakeMs: number;
  };
  /** The connection closed, whatever ended it. */
  close: {
    /** The close code (1006: closed without a close frame; 1005: a close frame without a code). */
    readonly code: number;
    /** The close reason (`''`: none). */
    readonly reason: string;
    /** Whether the closing handshake completed. */
    readonly wasClean: boolean;
    /** Who closed it (see {@link ClosedBy}). */
    readonly by: ClosedBy;
  };
  /** The socket reported an error (a `close` follows). */
  error: {
    /** The error: an `ErrorEvent`'s `error` (e.g. a refused handshake's, with its HTTP `status` on Node), else the event itself. */
    readonly cause: unknown;
  };
  /** `reconnect()` scheduled the next attempt (after the `close` of the connection that ended; `id` is that connection's). */
  reconnect: {
    /** The attempt the next connection will be (1 for the first retry). */
    readonly attempt: number;
    /** How long it waits first, in ms. */
    readonly delay: number;
    /** `'backoff'` (the ordinary wait) or `'retry-after'` (the server's `Retry-After`, or the `retryAfter` option's). */
    readonly reason: 'backoff' | 'retry-after';
    /** Why the connection ended (what `shouldReconnect` was asked about). */
    readonly cause: unknown;
  };
  /** A message given to `next()` was not sent, as `dropped$` reports it (`id`, `url`: the current or last connection; `0`, `''` before the first). */
  drop: {
    /** Why (see {@link DropReason}). */
    readonly reason: DropReason;
    /** The message as the serializer made it. */
    readonly data: WebSocketMessage;
    /** For `'send-error'`: what `send()` threw. */
    readonly error?: unknown;
  };
}

/** The kinds of lifecycle event, which are also the diagnostics channels' names on Node (`rxws:<type>`). */
export type LifecycleType = keyof LifecycleDetails;

/**
 * One lifecycle event of a subject's connections, as (on Node) the `node:diagnostics_channel`
 * channels `rxws:connect`, `rxws:open`, `rxws:close`, `rxws:error`, `rxws:reconnect` and
 * `rxws:drop` publish it, and as `logLifecycle()` (`rxws/observe`) gives it in browsers and on
 * Node (docs/observability.md). `id` is the connection's number, unique in the process (a
 * reconnect is a new connection with a new `id`); `url` is the URL it dialled.
 *
 * @example
 * logLifecycle(ws$, (e) => e.type === 'close' && console.info(`#${e.id} closed ${e.code} by the ${e.by}`));
 */
export type LifecycleEvent<T extends LifecycleType = LifecycleType> = T extends LifecycleType ? LifecycleHead<T> & Readonly<LifecycleDetails[T]> : never;

/** What every {@link LifecycleEvent} carries. */
export interface LifecycleHead<T extends LifecycleType = LifecycleType> {
  /** The kind of event (and, on Node, its channel: `rxws:<type>`). */
  readonly type: T;
  /** The connection's number, unique in the process (a reconnect is a new connection with a new one). */
  readonly id: number;
  /** The URL the connection dialled. */
  readonly url: string;
}

/**
 * A function given every {@link LifecycleEvent} of a subject's connections (`logLifecycle()`).
 *
 * @example
 * const log: LifecycleLog = (event) => console.debug('[ws]', event.type, event);
 */
export type LifecycleLog = (event: LifecycleEvent) => void;

/** @internal What a lifecycle event is built from: a connection (its socket, its flags), and what the tracer noted on it. */
export interface Traced {
  socket: WebSocketLike | undefined;
  clientClosing: boolean;
  failure: unknown;
  id?: number;
  url?: string;
  started?: number;
  opened?: number;
}

/** @internal What a tracer sees of a subject's engine. */
export interface TraceHost {
  /** Where the engine's lifecycle events go (called as a method of the engine). */
  tracer: Tracer | undefined;
  /** The connection of the last event (a reconnect's and a drop's). */
  traced?: Traced;
}

/**
 * @internal Takes the engine's lifecycle event `type` with `detail` as the engine has it (the url,
 * the open, close or error event, the reconnect status, the dropped message), of `connection`
 * (undefined: the engine's last one), building nothing unless it is wanted.
 */
export type Tracer = (this: TraceHost, type: LifecycleType, detail?: unknown, connection?: Traced) => void;

let lastId = 0;

/**
 * @internal Notes a connection's id, URL and start time at its `connect`, its open time at its
 * `open`, and makes it the host's last one. Once per connection (two tracers chained note the same).
 */
export function note(host: TraceHost, type: LifecycleType, connection: Traced | undefined, detail: unknown): void {
  if (connection === undefined) return;
  if (type === 'connect' && connection.id === undefined) {
    connection.id = ++lastId;
    connection.url = String(detail);
    connection.started = performance.now();
  }
  if (type === 'open') connection.opened ??= performance.now(); // (so every tracer's open event says the same)
  host.traced = connection;
}

// The fields each event copies from what the engine passes (the socket for `open`), in one string:
// smaller in a bundle than a builder per type.
const COPIED: Partial<Record<LifecycleType, string>> = {
  open: 'protocol extensions',
  close: 'code reason wasClean',
  reconnect: 'attempt delay reason cause',
  drop: 'reason data error',
};

/**
 * @internal Builds the `type` event of `connection` (undefined: the host's last one) from `detail`,
 * what the engine has at hand: the close event, the error event, the reconnect status, the dropped
 * message. A connection whose `connect` nobody noted (an adopted socket, or a log added later in a
 * browser) gets its id here, the socket's URL, and a `handshakeMs` of NaN.
 */
export function lifecycleEvent(host: TraceHost, type: LifecycleType, connection: Traced | undefined, detail: unknown): LifecycleEvent {
  const c = connection ?? host.traced;
  const event: Record<string, unknown> = { type, id: c ? (c.id ??= ++lastId) : 0, url: c?.url ?? '' };
  const source = (type === 'open' ? c!.socket : detail) as Record<string, unknown>;
  for (const key of COPIED[type]?.split(' ') ?? []) event[key] = source[key];
  if (type === 'open') event['handshakeMs'] = c!.opened! - c!.started!;
  if (type === 'close') event['by'] = c!.clientClosing || c!.failure ? 'client' : source['code'] !== 1006 ? 'server' : 'network';
  if (type === 'error') event['cause'] = source['error'] ?? source;
  return event as unknown as LifecycleEvent;
}
