import type { BinaryType } from './constants.js';
import type { NodeWebSocketOptions } from './node-options.js';
import type { CloseEvent } from './events.js';
import { describe } from '../common/options.js';

/** What `next()` hands to the socket after serializing: the data `WebSocket.send()` accepts. */
export type WebSocketMessage = string | ArrayBufferLike | ArrayBufferView | Blob;

/**
 * The part of the WHATWG `WebSocket` interface a `WebSocketSubject` uses. rxws's Node
 * `WebSocket`, a browser's, undici's, `ws`'s and rxws/testing's memory socket all fit it, and so
 * do test doubles and thin adapters: a socket needs `readyState`, `send()`, `close()`, and either
 * `addEventListener`/`removeEventListener` or the four handler attributes `onopen`, `onmessage`,
 * `onerror`, `onclose` (the only way rxjs/webSocket drives a socket; used when there is no
 * `addEventListener`). An event given to a handler attribute needs no `type`: a plain `{ data }`
 * given to `onmessage` is a message.
 *
 * @example
 * // A fake with handler attributes only: enough for webSocket({ url, WebSocketCtor: FakeSocket }).
 * class FakeSocket {
 *   readyState = 0;
 *   bufferedAmount = 0;
 *   onopen: ((e: unknown) => void) | null = null;
 *   onmessage: ((e: { data: unknown }) => void) | null = null;
 *   onerror: ((e: unknown) => void) | null = null;
 *   onclose: ((e: { code?: number; wasClean: boolean }) => void) | null = null;
 *   constructor(readonly url: string) {}
 *   send(data: string) {}
 *   close() { this.readyState = 2; }
 * }
 */
export interface WebSocketLike {
  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3): the subject reads it before each send. */
  readonly readyState: number;
  /** Read by the send gate (backpressure). (At run time a socket without it counts as never buffering.) */
  readonly bufferedAmount: number;
  /** Set when the config has `binaryType`. */
  binaryType?: BinaryType | string;
  /** Writes one message (what the serializer returned). Called only while `readyState` is OPEN. */
  send(data: WebSocketMessage): void;
  /** Starts the closing handshake, with the code and reason the subject was closed with, if any. */
  close(code?: number, reason?: string): void;
  /** Used with `removeEventListener` when both exist: `open`, `message`, `error`, `close` listeners. */
  addEventListener?(type: string, listener: (event: Event) => void): void;
  /** Removes what `addEventListener` added, when the subject lets go of the socket. */
  removeEventListener?(type: string, listener: (event: Event) => void): void;
  /** Set by the subject when the socket has no `addEventListener`: the connection opened. */
  onopen?: ((event: Event) => void) | null;
  /** Set by the subject when the socket has no `addEventListener`: a message (its `data` is read). */
  onmessage?: ((event: MessageEvent) => void) | null;
  /** Set by the subject when the socket has no `addEventListener`: the connection failed. */
  onerror?: ((event: Event) => void) | null;
  /** Set by the subject when the socket has no `addEventListener`: the connection closed (`code`, `reason`, `wasClean` are read). */
  onclose?: ((event: CloseEvent) => void) | null;
}

/**
 * A WebSocket constructor: `new WebSocketCtor(url, protocols?, options?)`. The third argument
 * (Node options) is passed only when the config has `options`.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: NodeWebSocketOptions,
) => WebSocketLike;

/**
 * Makes the socket of each connection: given the URL and the subprotocols (if any), returns a
 * socket or a promise of one. A rejected promise or a throw becomes a connection error.
 */
export type WebSocketFactory = (
  url: string,
  protocols: string | string[] | undefined,
) => WebSocketLike | PromiseLike<WebSocketLike>;

/** A URL, or a function read again for each connection that returns one (or a promise of one). */
export type UrlSource = string | URL | (() => string | URL | PromiseLike<string | URL>);

/**
 * @internal What `value` lacks to serve as a {@link WebSocketLike}, as a phrase for an error
 * message ("it has no send()"), or undefined when it can be used. A socket without
 * `addEventListener` is driven through its handler attributes, which rxws sets (so they need not
 * exist beforehand, only be settable).
 */
export function missingFromSocket(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return `it is ${describe(value)}`;
  const socket = value as Record<string, unknown>;
  const missing = [
    typeof socket.readyState !== 'number' && 'numeric readyState',
    typeof socket.send !== 'function' && 'send()',
    typeof socket.close !== 'function' && 'close()',
    !listensThroughEventTarget(socket) && !('onmessage' in socket) && !Object.isExtensible(socket) && 'addEventListener()/removeEventListener(), nor settable on* handlers',
  ].filter(Boolean);
  return missing.length > 0 ? `it has no ${missing.join(', no ')}` : undefined;
}

/**
 * @internal Whether `value` is a socket with `addEventListener`/`removeEventListener` (what the
 * producers over a bare WebSocket need: `gate()`, `sendAll()`, rxws/node's streams).
 */
export function isListenableSocket(value: unknown): value is WebSocketLike {
  return missingFromSocket(value) === undefined && listensThroughEventTarget(value as object);
}

/** @internal Whether rxws listens to `socket` with `addEventListener` (else with its handler attributes). */
export function listensThroughEventTarget(socket: object): boolean {
  const s = socket as Partial<Record<'addEventListener' | 'removeEventListener', unknown>>;
  return typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}
