import type { WebSocket as WsSocket } from 'ws';

/** The key under which rxws's Node `WebSocket` keeps its {@link NodeControls}. */
export const kNodeControls: unique symbol = Symbol.for('rxws.nodeControls') as never;

/**
 * Node-only hooks of an rxws `WebSocket`, kept off the standard surface. The layers above use them
 * where they exist (heartbeats, backpressure) and fall back to the standard interface elsewhere.
 */
export interface NodeControls {
  /** The underlying `ws` socket. */
  readonly raw: WsSocket;
  /** Sends a protocol ping (RFC 6455 5.5.2); does nothing unless the socket is OPEN. */
  ping(data?: string | Uint8Array): void;
  /** Calls `listener` on every protocol pong; returns a function that removes it. */
  onPong(listener: (data: Uint8Array) => void): () => void;
  /** Calls `listener` whenever queued data has been handed to the network (`bufferedAmount` fell). */
  onWritten(listener: () => void): () => void;
  /** Stops reading from the TCP socket, so the peer's sends back up (inbound backpressure). */
  pause(): void;
  /** Reads again after {@link NodeControls.pause}. */
  resume(): void;
  /** Whether reading is paused. */
  readonly isPaused: boolean;
  /** Destroys the TCP socket at once, without a closing handshake (the close event says 1006). */
  terminate(): void;
}

/**
 * Internal: the one listener an rxws `WebSocket` calls with each event right after dispatching
 * it (the subject layer's way in: no EventTarget listener, so an idle connection costs less).
 * Browser-safe: only a symbol; a native socket has no such property.
 */
export const kEventSink: unique symbol = Symbol.for('rxws.eventSink') as never;

/**
 * Internal: chooses how an rxws `WebSocket` delivers binary messages, `'nodebuffer'` included (the
 * Node options' route, for a socket made elsewhere: a `createWebSocket` factory's, an adopted
 * server-side one). The standard `binaryType` attribute takes `'blob'` and `'arraybuffer'` only.
 */
export const kBinaryTypeOption: unique symbol = Symbol.for('rxws.binaryTypeOption') as never;

/** Whether `socket` is an rxws `WebSocket` that takes {@link kBinaryTypeOption}. */
export function takesBinaryTypeOption(socket: unknown): socket is { [kBinaryTypeOption]: 'blob' | 'arraybuffer' | 'nodebuffer' } {
  return socket !== null && typeof socket === 'object' && kBinaryTypeOption in socket;
}

/**
 * Internal: rxws's Node socket sends one text message `prefix + text` (`text` being `textBytes`
 * bytes of UTF-8, as the caller measured it) without joining the two strings (it frames them itself: text-frame.ts), answering false where it cannot (not open,
 * a send waiting behind a Blob, an extension negotiated, a long message): the caller then joins
 * them and calls `send()`. Browser-safe: only a symbol; a native socket has no such method.
 */
export const kSendPrefixedText: unique symbol = Symbol.for('rxws.sendPrefixedText') as never;

/** A socket with the {@link kSendPrefixedText} method. */
export interface PrefixedTextSender {
  [kSendPrefixedText]?(prefix: string, text: string, textBytes: number): boolean;
}

/** What takes a socket's events through its {@link kEventSink} slot: an object, so it costs no closure. */
export interface EventSink {
  handleEvent(event: Event): void;
  /**
   * Set by a sink that makes its own event from a message's data (a resumable session: its
   * frames carry the application message). When the socket has no `message` listener of its
   * own, it calls this (on the sink) with the data instead of making and dispatching an event
   * nobody else would hear.
   */
  receiveData?: (this: EventSink, data: unknown, origin: string) => void;
}

/** A socket with an event sink slot (rxws's Node `WebSocket`). */
export interface EventSinkSlot {
  [kEventSink]: EventSink | undefined;
}

/** Whether `socket` offers an event sink slot. */
export function hasEventSink(socket: unknown): socket is EventSinkSlot {
  return socket !== null && typeof socket === 'object' && kEventSink in socket;
}

/** A value that may carry {@link NodeControls}. */
interface MaybeControlled {
  [kNodeControls]?: NodeControls;
}

/**
 * The {@link NodeControls} of `socket`, or `undefined` for a socket that has none (a browser's
 * native WebSocket, undici's, a test double).
 */
export function getNodeControls(socket: unknown): NodeControls | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  return (socket as MaybeControlled)[kNodeControls];
}
