// Browsers and workers: the platform's own WebSocket and events. The WebSocket is read from
// `globalThis` each time a socket is made (not when this module loads), so a polyfill or test mock
// installed after the import is used, and a page or SSR bundle without one can import rxws and only
// fails when it connects. Where the platform has no `CloseEvent`/`ErrorEvent` (Node with the
// `browser` condition, some test environments), light stand-ins carry the same fields.
import type { WebSocket as NodeWebSocket } from './websocket.js';
import type { CloseEvent as RxwsCloseEvent, ErrorEvent as RxwsErrorEvent, MessageEvent as RxwsMessageEvent } from './events.js';
import { FallbackCloseEvent, FallbackErrorEvent, FallbackMessageEvent } from './fallback-events.js';
import type { BinaryType } from './constants.js';
import type { EventSink } from './controls.js';
import type { WebSocketLike } from './socket-like.js';

/** The WebSocket constructor to use now: `globalThis.WebSocket`, or undefined when there is none. */
export function platformWebSocket(): typeof NodeWebSocket | undefined {
  const Ctor = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof Ctor === 'function' ? (Ctor as typeof NodeWebSocket) : undefined;
}

/** The platform's WebSocket as it was when rxws loaded (what `import { WebSocket } from 'rxws'` gives). */
export const WebSocket = (globalThis as { WebSocket?: unknown }).WebSocket as typeof NodeWebSocket;

const globals = globalThis as { CloseEvent?: unknown; ErrorEvent?: unknown; MessageEvent?: unknown };
export const CloseEvent = (typeof globals.CloseEvent === 'function' ? globals.CloseEvent : FallbackCloseEvent) as typeof RxwsCloseEvent;
export const ErrorEvent = (typeof globals.ErrorEvent === 'function' ? globals.ErrorEvent : FallbackErrorEvent) as typeof RxwsErrorEvent;
export const MessageEvent = (typeof globals.MessageEvent === 'function' ? globals.MessageEvent : FallbackMessageEvent) as unknown as typeof RxwsMessageEvent;

/** @internal Sets `binaryType` on a socket a subject is about to use (see platform.ts). */
export function setBinaryType(socket: WebSocketLike, binaryType: BinaryType): void {
  if (socket.binaryType !== binaryType) socket.binaryType = binaryType;
}

/** @internal Only rxws's Node socket takes an event sink (see platform.ts): never here. */
export function takeEvents(_socket: WebSocketLike, _sink: EventSink): boolean {
  return false;
}

/** @internal Only rxws's Node socket takes an event sink (see platform.ts): never here. */
export function holdsEvents(_socket: WebSocketLike, _sink: EventSink, _release: boolean): boolean {
  return false;
}
