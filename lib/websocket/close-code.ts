import { MAX_REASON_BYTES } from './constants.js';

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
    // WebIDL `[Clamp] unsigned short`: NaN is 0, then clamped to 0..65535 and rounded half to even
    // (Math.round rounds a half up: step back from an odd result).
    const clamped = Math.min(Math.max(Number(code) || 0, 0), 65535);
    parsedCode = Math.round(clamped);
    if (parsedCode - clamped === 0.5 && parsedCode % 2 === 1) parsedCode--;
    if (parsedCode !== 1000 && (parsedCode < 3000 || parsedCode > 4999)) {
      throw new DOMException(`The close code must be 1000 or 3000-4999, not ${parsedCode}.`, 'InvalidAccessError');
    }
  }
  // USVString: each lone surrogate becomes U+FFFD (as `toWellFormed`, which older browsers lack).
  const parsedReason = reason === undefined ? '' : String(reason).replace(/\p{Cs}/gu, '\ufffd');
  const bytes = new TextEncoder().encode(parsedReason).length;
  if (bytes > MAX_REASON_BYTES) {
    throw new DOMException(`The close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes, not ${bytes}.`, 'SyntaxError');
  }
  return { code: parsedCode, reason: parsedReason };
}
