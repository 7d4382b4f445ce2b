// What a Session's messages are on each side of its serializer and deserializer.
import type { SessionPayload } from '../session/protocol.js';

/** What a `Session`'s `deserializer` is given: one application message of the client, text or bytes. */
export interface SessionMessage {
  /** A text message as a string, a binary one as a `Buffer`. */
  readonly data: string | Buffer;
}

/** What `decodeError$` reports: a client message the `deserializer` threw on (the message is skipped). */
export interface SessionDecodeError {
  /** The message as it arrived: a string, or a `Buffer`. */
  readonly data: string | Buffer;
  /** What the deserializer threw. */
  readonly error: unknown;
}

/** @internal What a serializer returned, as a payload (a TypeError for anything else). */
export function toPayload(value: unknown): SessionPayload {
  if (typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  throw new TypeError(`Session.next(): the serializer must return a string, a Buffer, an ArrayBuffer or a typed array, not ${value === null ? 'null' : typeof value}.`);
}

/** @internal A received payload as the deserializer gets it: text as a string, bytes as a `Buffer` (no copy). */
export function toMessageData(payload: SessionPayload): string | Buffer {
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return payload;
  return payload instanceof ArrayBuffer ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * @internal A payload's size in bytes, as the replay buffer counts it: `payloadSize()` of the
 * protocol (a text payload's UTF-8 length, a lone surrogate counted as U+FFFD's 3 bytes), measured
 * by Node's native `Buffer.byteLength` (this runs for every message the server sends).
 */
export function payloadBytes(payload: SessionPayload): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
}
