// Node: rxws's own WebSocket on `ws`. The browser build puts platform.browser.ts in its place.
import { WebSocket } from './websocket.js';
import type { BinaryType } from './constants.js';
import { hasEventSink, kBinaryTypeOption, kEventSink, takesBinaryTypeOption, type EventSink } from './controls.js';
import type { WebSocketLike } from './socket-like.js';
export { WebSocket };
export { CloseEvent, ErrorEvent, MessageEvent, createMessageEvent } from './events.js';

/**
 * The WebSocket constructor to use now. rxws's own, unless the program put another kind of socket
 * in `globalThis.WebSocket` (a test double such as rxjs's MockWebSocket, or a polyfill): that one
 * is used, read each time a socket is made, as in browsers. A global that is a full WebSocket
 * implementation (Node 22's built-in, undici's, `ws`'s, rxws's) is not: rxws's own is as exact and
 * takes Node options (pass another as `WebSocketCtor` to use it).
 */
export function platformWebSocket(): typeof WebSocket {
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (global === undefined || global === WebSocket || typeof global !== 'function') return WebSocket;
  return isImplementation(global) ? WebSocket : (global as typeof WebSocket);
}

let lastChecked: unknown;
let lastVerdict = true;

/** Whether `Ctor` is a real WebSocket implementation (a WebIDL interface, or `ws`'s class). */
function isImplementation(Ctor: { prototype?: unknown }): boolean {
  if (Ctor === lastChecked) return lastVerdict;
  const proto: unknown = Ctor.prototype;
  let verdict = false;
  if (proto !== null && typeof proto === 'object') {
    const p = proto as Record<string, unknown>;
    try {
      verdict = Object.prototype.toString.call(proto) === '[object WebSocket]' || (typeof p.terminate === 'function' && typeof p.ping === 'function');
    } catch {
      verdict = false; // a getter that throws on the prototype: not a WebIDL interface
    }
  }
  lastChecked = Ctor;
  lastVerdict = verdict;
  return verdict;
}

/**
 * @internal Sets `binaryType` on a socket a subject is about to use. On another rxws socket (a
 * factory's, an adopted one), 'nodebuffer' is its Node option, not the standard attribute.
 */
export function setBinaryType(socket: WebSocketLike, binaryType: BinaryType): void {
  if (socket.binaryType === binaryType) return; // (a socket made with 'nodebuffer' in its Node options reports it already)
  if (binaryType === 'nodebuffer' && takesBinaryTypeOption(socket)) socket[kBinaryTypeOption] = binaryType;
  else socket.binaryType = binaryType;
}

/**
 * @internal Gives rxws's Node socket's events to `sink` (one object instead of four EventTarget
 * listeners); false for any other socket, or one whose sink is taken.
 */
export function takeEvents(socket: WebSocketLike, sink: EventSink): boolean {
  if (!hasEventSink(socket) || socket[kEventSink] !== undefined) return false;
  socket[kEventSink] = sink;
  return true;
}

/** @internal Whether `sink` takes `socket`'s events (see {@link takeEvents}); when `release`, it stops. */
export function holdsEvents(socket: WebSocketLike, sink: EventSink, release: boolean): boolean {
  if (!hasEventSink(socket) || socket[kEventSink] !== sink) return false;
  if (release) socket[kEventSink] = undefined;
  return true;
}
