// How frames become messages and back. The default keeps the wire's own types (text → string,
// binary → exact bytes), so nothing is lost or stringified; `json` is the common protocol case.
import { bytesOf, isBinary } from './format.js';

/** What a frame carried: a text frame's string, or a binary frame's bytes. */
export type FrameData = string | Uint8Array;

/**
 * Turns received frames into messages and messages into frames. `decode` may throw: the kit then
 * records a {@link DecodeError} in place of the message (see `TestConnection.nextMessage`).
 */
export interface Codec {
  /** Names the codec in error messages. */
  readonly name: string;
  /** A received frame → the message tests see. */
  decode(data: FrameData): unknown;
  /** A message a test sends → what goes on the wire (a string is a text frame, bytes a binary frame). */
  encode(message: unknown): FrameData;
}

/** A received frame that the codec could not decode. */
export class DecodeError extends Error {
  /** Always `'DecodeError'`. */
  override name = 'DecodeError';
  /** The frame as it arrived. */
  readonly data: FrameData;

  constructor(codec: string, data: FrameData, cause: unknown) {
    const shown = typeof data === 'string' ? JSON.stringify(data) : `<${data.length} bytes>`;
    super(`The ${codec} codec could not decode a received frame ${shown}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.data = data;
    this.cause = cause;
  }
}

function encodeFrame(message: unknown, codec: string): FrameData {
  if (typeof message === 'string') return message;
  if (isBinary(message)) return bytesOf(message);
  throw new TypeError(
    `The ${codec} codec sends strings (text frames) and ArrayBuffer/typed arrays (binary frames), not ${typeof message}. Use { json: true } to send values as JSON.`,
  );
}

/** The default codec: text frames are strings, binary frames `Uint8Array`s, both ways. */
export const rawCodec: Codec = {
  name: 'raw',
  decode: (data) => data,
  encode: (message) => encodeFrame(message, 'raw'),
};

/**
 * The `json` codec: text frames are parsed (a parse failure is a {@link DecodeError}), values
 * are sent with `JSON.stringify`; binary frames pass through as bytes both ways.
 */
export const jsonCodec: Codec = {
  name: 'json',
  decode: (data) => (typeof data === 'string' ? (JSON.parse(data) as unknown) : data),
  encode: (message) => {
    if (isBinary(message)) return bytesOf(message);
    const text = JSON.stringify(message);
    // JSON.stringify(undefined) (or a function) is undefined: there is nothing to send.
    if (text === undefined) throw new TypeError(`The json codec cannot send ${String(message)}.`);
    return text;
  },
};

/** @internal Decodes `data` with `codec`, returning a {@link DecodeError} instead of throwing. */
export function safeDecode(codec: Codec, data: FrameData): { ok: true; value: unknown } | { ok: false; error: DecodeError } {
  try {
    return { ok: true, value: codec.decode(data) };
  } catch (cause) {
    return { ok: false, error: new DecodeError(codec.name, data, cause) };
  }
}
