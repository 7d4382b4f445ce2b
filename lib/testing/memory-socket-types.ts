// The types of the in-memory WebSocket (see memory-socket.ts): the socket's standard surface, its
// constructor and the options of the controller and its handles.
import type { BinaryType, ReadyState, WebSocketData } from '../websocket/constants.js';

/** What a memory socket's client sent: strings as sent, binary as a copy of its bytes, Blobs as given. */
export type SentData = string | Uint8Array | Blob;

/** Options of {@link createMemoryWebSocket}. */
export interface MemoryWebSocketOptions {
  /**
   * What happens when the client calls `close()` on an open socket: `'auto'` (default) completes
   * the closing handshake at once (close event with the client's code, or 1005); `'manual'` leaves
   * it CLOSING until `handle.close()` or `handle.fail()`.
   */
  closeHandshake?: 'auto' | 'manual';
}

/** The standard surface of a memory socket (the same as rxws's `WebSocket` and the browser's). */
export interface MemoryWebSocket extends EventTarget {
  /** The URL as parsed (absolute, `ws:` or `wss:`). */
  readonly url: string;
  /** 0 `CONNECTING`, 1 `OPEN`, 2 `CLOSING`, 3 `CLOSED`. */
  readonly readyState: ReadyState;
  /** Bytes queued: what `handle.setBufferedAmount()` set, plus data sent after closing began (as the spec counts it). */
  readonly bufferedAmount: number;
  /** The extensions the handle's `open()` reported (`''` for none). */
  readonly extensions: string;
  /** The subprotocol the handle's `open()` selected (`''` for none). */
  readonly protocol: string;
  /** How binary messages are delivered: `'blob'` (default) or `'arraybuffer'`. */
  binaryType: BinaryType;
  /** The `open` event handler attribute. */
  onopen: ((this: MemoryWebSocket, event: Event) => unknown) | null;
  /** The `message` event handler attribute. */
  onmessage: ((this: MemoryWebSocket, event: Event) => unknown) | null;
  /** The `error` event handler attribute. */
  onerror: ((this: MemoryWebSocket, event: Event) => unknown) | null;
  /** The `close` event handler attribute. */
  onclose: ((this: MemoryWebSocket, event: Event) => unknown) | null;
  /** Records `data` in the handle's `sent` (throws `InvalidStateError` while connecting, as a WebSocket does). */
  send(data: WebSocketData): void;
  /** Starts closing (see {@link MemoryWebSocketOptions.closeHandshake}); validates code and reason as a WebSocket does. */
  close(code?: number, reason?: string): void;
  /** The ready state constants, as on a WebSocket. */
  readonly CONNECTING: 0;
  /** See {@link MemoryWebSocket.CONNECTING}. */
  readonly OPEN: 1;
  /** See {@link MemoryWebSocket.CONNECTING}. */
  readonly CLOSING: 2;
  /** See {@link MemoryWebSocket.CONNECTING}. */
  readonly CLOSED: 3;
}

/** The constructor {@link createMemoryWebSocket} returns: `new WebSocket(url, protocols?)`. */
export interface MemoryWebSocketConstructor {
  /** A socket in `CONNECTING` state; the controller's `last` handle drives it. */
  new (url: string | URL, protocols?: string | string[]): MemoryWebSocket;
  /** The sockets' prototype. */
  readonly prototype: MemoryWebSocket;
  /** The ready state constants, as on `WebSocket`. */
  readonly CONNECTING: 0;
  /** See {@link MemoryWebSocketConstructor.CONNECTING}. */
  readonly OPEN: 1;
  /** See {@link MemoryWebSocketConstructor.CONNECTING}. */
  readonly CLOSING: 2;
  /** See {@link MemoryWebSocketConstructor.CONNECTING}. */
  readonly CLOSED: 3;
}

/** Options of {@link MemorySocketHandle.open}. */
export interface OpenOptions {
  /** The subprotocol the "server" selected (must be one the client offered, or `''`). */
  protocol?: string;
  /** The extensions to report, e.g. `permessage-deflate` (default `''`). */
  extensions?: string;
}
