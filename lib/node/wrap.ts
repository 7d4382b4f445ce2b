import type { IncomingMessage } from 'node:http';
import type { WebSocket as WsSocket } from 'ws';
import { kAdopt, WebSocket, type AdoptOptions } from '../websocket/websocket.js';
import type { BinaryType } from '../websocket/constants.js';
import { checkOneOf, checkOptions } from '../common/options.js';

const WHERE = 'wrapWebSocket()';

/** Options of {@link wrapWebSocket}. */
export interface WrapOptions {
  /** Coalesce the writes of one tick (see `NodeWebSocketOptions.coalesce`). Default true. */
  coalesce?: boolean;
  /** How binary messages are delivered at first (see `NodeWebSocketOptions.binaryType`). Default 'blob'. */
  binaryType?: BinaryType;
}

/**
 * Wraps a connection accepted by a `ws` `WebSocketServer` in rxws's `WebSocket` interface, so
 * server-side code can use the same events, `send()`, `close()` and every layer built on them.
 * The wrapper is already OPEN; it fires no `open` event. Pass the upgrade `request` to give it a
 * `url` (and a `MessageEvent.origin`); without one `url` is `''`.
 *
 * @example
 * wss.on('connection', (ws, request) => {
 *   const socket = wrapWebSocket(ws, request);
 *   socket.onmessage = (e) => socket.send(e.data);
 * });
 */
export function wrapWebSocket(socket: WsSocket, request?: IncomingMessage, options: WrapOptions = {}): WebSocket {
  if (socket === null || typeof socket !== 'object' || typeof socket.send !== 'function' || typeof socket.on !== 'function') {
    throw new TypeError('wrapWebSocket expects a socket accepted by a ws WebSocketServer.');
  }
  let url = '';
  if (request !== undefined) {
    const secure = (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const host = request.headers.host ?? 'localhost';
    url = `${secure ? 'wss' : 'ws'}://${host}${request.url ?? '/'}`;
  }
  checkOptions(WHERE, options, 'options', ['coalesce', 'binaryType']);
  checkOneOf(WHERE, options.coalesce, 'coalesce', [true, false]);
  checkOneOf(WHERE, options.binaryType, 'binaryType', ['blob', 'arraybuffer', 'nodebuffer']);
  const { binaryType } = options;
  // The upgrade request's socket is the connection's TCP socket: the public route to corking it.
  const adoption: AdoptOptions = { [kAdopt]: socket, tcp: request?.socket, coalesce: options.coalesce, binaryType };
  return new WebSocket(url, undefined, adoption as never);
}
