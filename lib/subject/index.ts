// rxws's second layer: each connection as an RxJS Subject (the successor of rxjs/webSocket).
export { webSocket } from './web-socket.js';
export { WebSocketSubject } from './web-socket-subject.js';
export { WebSocketCloseError } from './close-error.js';
export type { WebSocketCloseErrorInit } from './close-error.js';
export { QueueOverflowError, DEFAULT_QUEUE_LIMIT } from './outbound-queue.js';
export type { QueueConfig, OverflowPolicy, DroppedMessage, DropReason } from './outbound-queue.js';
export type { WebSocketSubjectConfig, DecodeErrorPolicy } from './config.js';
export type { ConnectionState } from './connection-state.js';
export type { DecodeFailure } from './passive-streams.js';
export type { LifecycleEvent, LifecycleHead, LifecycleType, LifecycleDetails, LifecycleLog, ClosedBy } from './lifecycle.js';
export type { WebSocketLike, WebSocketMessage, WebSocketConstructor, WebSocketFactory, UrlSource } from '../websocket/socket-like.js';
