import { MAX_REASON_BYTES } from './constants.js';

/**
 * WebIDL `[Clamp] unsigned short` conversion of a close code: NaN becomes 0, values are clamped to
 * 0..65535 and rounded half to even.
 */
function clampUnsignedShort(value: unknown): number {
  const n = Number(value);
  if (Number.isNaN(n)) return 0;
  const clamped = Math.min(Math.max(n, 0), 65535);
  const floor = Math.floor(clamped);
  const diff = clamped - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A validated close request: `code` is `undefined` when the caller gave none. */
export interface CloseRequest {
  code: number | undefined;
  reason: string;
}

/**
 * Validates the arguments of `close(code, reason)` as the spec's "close the WebSocket" steps 1-2:
 * a code other than 1000 or 3000-4999 is an `InvalidAccessError`, a reason over 123 UTF-8 bytes a
 * `SyntaxError`.
 */
export function parseCloseArguments(code: unknown, reason: unknown): CloseRequest {
  let parsedCode: number | undefined;
  if (code !== undefined) {
    parsedCode = clampUnsignedShort(code);
    if (parsedCode !== 1000 && (parsedCode < 3000 || parsedCode > 4999)) {
      throw new DOMException(
        `The close code must be either 1000, or between 3000 and 4999. ${parsedCode} is neither.`,
        'InvalidAccessError',
      );
    }
  }
  // USVString: lone surrogates become U+FFFD, as `toWellFormed` does.
  const parsedReason = reason === undefined ? '' : toUSVString(String(reason));
  const bytes = utf8ByteLength(parsedReason);
  if (bytes > MAX_REASON_BYTES) {
    throw new DOMException(
      `The close reason must not be greater than ${MAX_REASON_BYTES} UTF-8 bytes (it is ${bytes}).`,
      'SyntaxError',
    );
  }
  return { code: parsedCode, reason: parsedReason };
}

/** Replaces lone surrogates with U+FFFD (WebIDL USVString). */
export function toUSVString(value: string): string {
  // `String.prototype.toWellFormed` is Node 20+.
  return (value as string & { toWellFormed(): string }).toWellFormed();
}

/** The UTF-8 length of a well-formed string, without allocating (works in browsers and Node). */
export function utf8ByteLength(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
