/**
 * `rxws/node`: what only Node has. Never imported by the browser build.
 * @packageDocumentation
 */
export { wrapWebSocket, type WrapOptions } from './wrap.js';
export type { NodeWebSocketOptions } from '../websocket/node-options.js';
export { NODE_DEFAULTS } from '../websocket/node-options.js';
export { getNodeControls, type NodeControls } from '../websocket/controls.js';
export { WebSocket, CloseEvent, ErrorEvent } from '../websocket/platform.js';
// backpressure: Node stream adapters
export {
  toAsyncIterable,
  toReadable,
  toWritable,
  DEFAULT_INBOUND_HIGH_WATER_MARK,
  DEFAULT_OUTBOUND_HIGH_WATER_MARK,
  DEFAULT_MAX_BUFFERED_AMOUNT,
  type AsyncIterableOptions,
  type ReadableOptions,
  type WritableOptions,
  type WebSocketAsyncIterator,
} from './streams.js';
// resumable sessions (rxws.session.v1), the server side
export { acceptSessions, type SessionServer } from './session-server.js';
export { Session, type SessionState } from './session.js';
export type { AcceptSessionsOptions, SessionIdentity } from './session-options.js';
export type { ReplayLimit } from '../session/options.js';
export type { SessionMessage, SessionDecodeError } from './session-message.js';
export {
  memorySessionStore,
  type SessionStore,
  type SessionRecord,
  type ClaimedSession,
  type SessionChange,
  type SessionStoreEvent,
  type StoredMessage,
  type Awaitable,
} from './session-store.js';
export { SESSION_PROTOCOL, redactId, type SessionPayload } from '../session/protocol.js';
