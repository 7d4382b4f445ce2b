import type { BinaryType } from '../websocket/constants.js';
import type { NodeWebSocketOptions } from '../node/options.js';

/** What `next()` hands to the socket after serializing: the data `WebSocket.send()` accepts. */
export type WebSocketMessage = string | ArrayBufferLike | ArrayBufferView | Blob;

/**
 * The part of the WHATWG `WebSocket` interface a `WebSocketSubject` uses. rxws's Node
 * `WebSocket`, a browser's, undici's, `ws`'s and rxws/testing's memory socket all fit it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: BinaryType | string;
  send(data: WebSocketMessage): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
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
