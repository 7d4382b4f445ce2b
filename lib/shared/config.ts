// sharedWebSocket()'s config: a webSocket() config that every tab can rebuild the same way.
import type { WebSocketSubjectConfig } from '../subject/config.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { SharedSession } from './session-parts.js';
import type { SessionOption } from '../subject/features.js';

/** `webSocket()`'s defaults: JSON both ways. */
export const defaultSerializer = (value: unknown): WebSocketMessage => JSON.stringify(value);
export const defaultDeserializer = (event: MessageEvent): unknown => JSON.parse(event.data as string);

/**
 * The config of {@link sharedWebSocket}: `url` (a string or URL: it names the shared connection),
 * `name`, and the `webSocket()` keys that make sense across tabs. `openObserver`,
 * `closeObserver` and `closingObserver` run in the leader tab only (the tab that owns the socket).
 * The serializer runs in the tab that calls `next()`, the deserializer (and `onDecodeError`) in
 * every tab that receives. `session: sharedSession(resumable())` makes the shared connection one
 * resumable session that survives leader hand-overs (docs/shared.md, "Sessions"). (`heartbeat`,
 * `handshake`, `backpressure`, `queue` and a custom socket are not shared yet; use `webSocket()` for them.)
 *
 * @example
 * const config: SharedWebSocketConfig<Command, Update> = { url: 'wss://example.com/prices', name: 'prices' };
 */
export interface SharedWebSocketConfig<In, Out = In>
  extends Pick<
    WebSocketSubjectConfig<In, Out>,
    'protocol' | 'serializer' | 'deserializer' | 'onDecodeError' | 'openObserver' | 'closeObserver' | 'closingObserver' | 'binaryType' | 'WebSocketCtor'
  > {
  /** The server's URL. Tabs share only a connection to the same URL with the same `name`. */
  url: string | URL;
  /** The shared connection's name within the origin: different names never share. */
  name: string;
  /**
   * A resumable session for every tab: what `resumable()` (rxws/session) makes. The code that
   * shares it between tabs is then loaded on demand (a dynamic import: a chunk of its own in the
   * app's bundle); `sharedSession(resumable())` (from rxws/shared) bundles it up front instead.
   * See docs/shared.md, "Sessions".
   * @example
   * session: resumable({ ackInterval: 50 })
   */
  session?: SharedSession | SessionOption;
  /**
   * Starts the app's SharedWorker script (one that calls `serveSharedWebSockets()`): then the
   * worker owns the socket instead of a tab. Called only where `SharedWorker` exists; elsewhere
   * (Chrome on Android before 148, older browsers) the tabs elect a leader tab as without it.
   * `openObserver`, `closeObserver`, `closingObserver` and `WebSocketCtor` are not used then
   * (functions cannot reach the worker): watch `open$` and `close$`. See docs/shared.md.
   * @example
   * worker: () => new SharedWorker(new URL('./socket-worker.ts', import.meta.url), { type: 'module' })
   */
  worker?: () => SharedWorkerLike;
}

/** What `worker` returns: a `SharedWorker` (described by its shape, so no DOM types are needed). */
export interface SharedWorkerLike {
  /** The worker's `MessagePort`, through which the tab and the worker talk. */
  readonly port: {
    /** Sends a message to the worker (structured-cloned). */
    postMessage(message: unknown): void;
    /** Listens to the worker's messages. */
    addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
    /** Starts delivering the port's messages (needed with `addEventListener`). */
    start(): void;
  };
}

/**
 * The role of this tab: `'worker'` when a SharedWorker owns the socket, `'alone'` when the
 * platform cannot share (see docs/shared.md).
 */
export type SharedRole = 'electing' | 'leader' | 'follower' | 'worker' | 'alone';

/** The checked config, or a TypeError that says what is wrong. */
export function checkSharedConfig<In, Out>(config: SharedWebSocketConfig<In, Out>): { url: string; name: string } {
  if (typeof config !== 'object' || config === null) throw new TypeError('sharedWebSocket() takes a config: { url, name, ... }.');
  const { url, name } = config;
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('sharedWebSocket(): `url` must be a string or URL (a function or promise cannot name a shared connection).');
  if (typeof name !== 'string' || name === '') throw new TypeError('sharedWebSocket(): `name` must be a non-empty string.');
  const session = config.session as Partial<SharedSession & SessionOption> | undefined;
  if (session !== undefined && typeof (session.tab ?? session.create) !== 'function') {
    throw new TypeError('sharedWebSocket(): `session` must be what resumable() makes.');
  }
  return { url: String(url), name };
}

/** Whether this platform can share a connection between tabs (Web Locks and BroadcastChannel). */
export function canShare(): boolean {
  const locks = (globalThis.navigator as { locks?: { request?: unknown } } | undefined)?.locks;
  return typeof locks?.request === 'function' && typeof globalThis.BroadcastChannel === 'function';
}
