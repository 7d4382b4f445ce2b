/**
 * rxws/shared: one WebSocket connection for all the tabs of an origin (browsers). See docs/shared.md.
 * @packageDocumentation
 */
export { sharedWebSocket, SharedWebSocket } from './shared-web-socket.js';
export { serveSharedWebSockets, type ServeSharedOptions } from './worker.js';
export type { SharedSession } from './session-parts.js';
export type { SharedWebSocketConfig, SharedRole, SharedWorkerLike } from './config.js';
export type { SharedRequestOptions } from './request.js';
