// Browsers and workers: the platform's own WebSocket and events (read when first used, so a page
// without them can still import rxws).
import type { WebSocket as NodeWebSocket } from './websocket.js';
import type { CloseEvent as RxwsCloseEvent, ErrorEvent as RxwsErrorEvent, MessageEvent as RxwsMessageEvent } from './events.js';

export const WebSocket = globalThis.WebSocket as unknown as typeof NodeWebSocket;
export const CloseEvent = globalThis.CloseEvent as unknown as typeof RxwsCloseEvent;
export const ErrorEvent = globalThis.ErrorEvent as unknown as typeof RxwsErrorEvent;
export const MessageEvent = globalThis.MessageEvent as unknown as typeof RxwsMessageEvent;
