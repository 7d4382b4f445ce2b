// Browsers and workers: the platform's own WebSocket and events. The WebSocket is read from
// `globalThis` each time a socket is made (not when this module loads), so a polyfill or test mock
// installed after the import is used, and a page or SSR bundle without one can import rxws and only
// fails when it connects. Where the platform has no `CloseEvent`/`ErrorEvent` (Node with the
// `browser` condition, some test environments), light stand-ins carry the same fields.
import type { WebSocket as NodeWebSocket } from './websocket.js';
import type { CloseEvent as RxwsCloseEvent, ErrorEvent as RxwsErrorEvent, MessageEvent as RxwsMessageEvent } from './events.js';
import { FallbackCloseEvent, FallbackErrorEvent, FallbackMessageEvent } from './fallback-events.js';
import type { BinaryType } from './constants.js';
import type * as NodePlatform from './platform.js';
import type { WebSocketLike } from './socket-like.js';

/** The WebSocket constructor to use now: `globalThis.WebSocket`, or undefined when there is none. */
export function platformWebSocket(): typeof NodeWebSocket | undefined {
  return globalOr('WebSocket', undefined);
}

/**
 * The global `name` if it is a constructor, else `fallback`. Called through `@__PURE__` below, so a
 * bundle that does not use an export (e.g. `MessageEvent` with a plain `webSocket()`) drops it and
 * its stand-in class.
 */
function globalOr<T>(name: string, fallback: unknown): T {
  const value = (globalThis as Record<string, unknown>)[name];
  return (typeof value === 'function' ? value : fallback) as T;
}

/** The platform's WebSocket as it was when rxws loaded (what `import { WebSocket } from 'rxws'` gives). */
export const WebSocket = /* @__PURE__ */ globalOr<typeof NodeWebSocket>('WebSocket', undefined);
export const CloseEvent = /* @__PURE__ */ globalOr<typeof RxwsCloseEvent>('CloseEvent', FallbackCloseEvent);
export const ErrorEvent = /* @__PURE__ */ globalOr<typeof RxwsErrorEvent>('ErrorEvent', FallbackErrorEvent);
export const MessageEvent = /* @__PURE__ */ globalOr<typeof RxwsMessageEvent>('MessageEvent', FallbackMessageEvent);

/** @internal A socket's `message` event with `data` and `origin` (on Node, rxws's own without an init dictionary: platform.ts). */
export function createMessageEvent<T>(data: T, origin: string): RxwsMessageEvent<T> {
  return new MessageEvent('message', { data, origin }) as RxwsMessageEvent<T>;
}

/** @internal Sets `binaryType` on a socket a subject is about to use (see platform.ts). */
export function setBinaryType(socket: WebSocketLike, binaryType: BinaryType): void {
  if (socket.binaryType !== binaryType) socket.binaryType = binaryType;
}

/**
 * @internal `takeEvents` and `holdsEvents`: only rxws's Node socket takes an event sink (see
 * platform.ts), so never here. (Typed as the Node module's, so the two builds stay alike.)
 */
const takesNoEvents = ((): boolean => false) satisfies typeof NodePlatform.takeEvents & typeof NodePlatform.holdsEvents;
export { takesNoEvents as takeEvents, takesNoEvents as holdsEvents };
