/** `readyState` 0: the opening handshake is under way (the `readyState` values are the WHATWG WebSocket interface's). */
export const CONNECTING = 0;
/** `readyState` 1: open; `send()` writes. */
export const OPEN = 1;
/** `readyState` 2: the closing handshake has started. */
export const CLOSING = 2;
/** `readyState` 3: closed, or never opened. */
export const CLOSED = 3;

/** One of the four `readyState` values. */
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** The two values the standard `binaryType` attribute accepts. */
export type StandardBinaryType = 'blob' | 'arraybuffer';

/**
 * How binary messages are delivered: the two standard values, and `'nodebuffer'` (Node only, rxws
 * extension, chosen through the Node options or the subject's config; the attribute ignores it).
 */
export type BinaryType = StandardBinaryType | 'nodebuffer';

/** The data `send()` accepts, as the WebIDL `(BufferSource or Blob or USVString)`. */
export type WebSocketData = string | ArrayBufferLike | ArrayBufferView | Blob;

/** Largest close reason, in UTF-8 bytes (a close frame's payload is at most 125 bytes, 2 of them the code). */
export const MAX_REASON_BYTES = 123;
