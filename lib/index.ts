/**
 * rxws: WebSocket connections as first-class RxJS streams.
 *
 * On Node, `WebSocket` is rxws's spec-exact implementation on `ws`; in browsers and workers it is
 * the platform's own.
 * @packageDocumentation
 */
export { WebSocket, CloseEvent, ErrorEvent, MessageEvent } from './websocket/platform.js';
export { CONNECTING, OPEN, CLOSING, CLOSED } from './websocket/constants.js';
export type { ReadyState, BinaryType, StandardBinaryType, WebSocketData } from './websocket/constants.js';
export type { CloseEventInit, ErrorEventInit, MessageEventInit } from './websocket/events.js';
export type { EventHandler } from './websocket/event-handlers.js';
export type { WebSocketInit, WebSocketHeadersInit } from './websocket/init.js';
export type { HandshakeRefusal } from './websocket/refusal.js';
// subject layer
export * from './subject/index.js';
// capabilities beyond rxjs/webSocket's, each bundled only when imported
export type { BackpressureOption, HandshakeOption, HeartbeatOption, SessionEvent, SessionOption } from './subject/features.js';
// backpressure
export { gate, sendAll, type GateOptions, type GateOperator, type GateTarget } from './operators/gate.js';
export { backpressure, writableOf, bufferedAmountOf } from './subject/send-gate.js';
export { DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK, DEFAULT_POLL_INTERVAL, type BackpressureConfig } from './flow/water-marks.js';
// multiplex
export { multiplex, type MultiplexOptions } from './subject/multiplex.js';
export { channel, WebSocketChannel, ChannelError, type ChannelOptions } from './subject/channel.js';
export { request, TimeoutError, RequestError, DEFAULT_REQUEST_TIMEOUT, type RequestOptions, type RequestId } from './subject/request.js';
export { kSubject, subjectOf, type FromSubject } from './subject/derived.js';
// operators: reconnect, and its heartbeat / handshake / scheduling companions
export * from './operators/index.js';
export { TimerScheduler, timerScheduler } from './scheduling/index.js';
export { heartbeat, DEFAULT_HEARTBEAT, type HeartbeatConfig } from './subject/heartbeat.js';
export { handshake, type Handshake, type HandshakeConnection } from './subject/handshake.js';
export {
  validated,
  SchemaError,
  type StandardSchema,
  type StandardSchemaProps,
  type SchemaTypes,
  type SchemaResult,
  type SchemaSuccess,
  type SchemaFailure,
  type SchemaIssue,
  type SchemaPathSegment,
  type SchemaOutput,
} from './subject/schema.js';
export type { CloseKind } from './subject/close-error.js';
export type { ConnectionStatus } from './subject/connection-state.js';
