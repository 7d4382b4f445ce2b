// The frames of the `rxws.session.v1` protocol (docs/session-protocol.md): encoding and decoding,
// shared by the client (`resumable()`) and the server (`acceptSessions()` in rxws/node).

/** The subprotocol a session connection negotiates. */
export const SESSION_PROTOCOL = 'rxws.session.v1';

/** What a session message carries: text, or bytes. */
export type SessionPayload = string | ArrayBuffer | ArrayBufferView;

/** A decoded frame (see docs/session-protocol.md §2). */
export type SessionFrame =
  | { readonly type: 'data'; readonly seq: number; readonly ack: number; readonly payload: SessionPayload }
  | { readonly type: 'unsequenced'; readonly payload: SessionPayload }
  | { readonly type: 'ack'; readonly ack: number }
  | { readonly type: 'hello'; readonly session: string | null; readonly received: number }
  | { readonly type: 'welcome'; readonly session: string; readonly kind: 'new' | 'resumed'; readonly received: number };

const D = 0x44; // 'D'
const U = 0x55; // 'U'
const COLON = 0x3a;
const encoder = new TextEncoder();

/** A data frame: `D<seq>:<ack>:<payload>`, text for a text payload, binary (ASCII header) for bytes. */
export function encodeData(seq: number, ack: number, payload: SessionPayload): string | Uint8Array {
  const header = `D${seq}:${ack}:`;
  return typeof payload === 'string' ? header + payload : prefixBytes(header, payload);
}

/** An unsequenced frame: `U<payload>` (never acknowledged nor replayed). */
export function encodeUnsequenced(payload: SessionPayload): string | Uint8Array {
  return typeof payload === 'string' ? `U${payload}` : prefixBytes('U', payload);
}

/** An ack frame: `A<ack>`. */
export function encodeAck(ack: number): string {
  return `A${ack}`;
}

/** The client's hello: the session to resume (or null for a new one) and the last seq it received. */
export function encodeHello(session: string | null, received: number): string {
  return `H${JSON.stringify({ session, received })}`;
}

/** The server's welcome: the session, whether it is new or resumed, and the last seq it received. */
export function encodeWelcome(session: string, kind: 'new' | 'resumed', received: number): string {
  return `W${JSON.stringify({ session, kind, received })}`;
}

/** The payload's size in bytes, as the replay buffer counts it (a text payload: its UTF-8 length). */
export function payloadSize(payload: SessionPayload): number {
  if (typeof payload !== 'string') return payload.byteLength;
  if (!NON_ASCII.test(payload)) return payload.length; // the usual case, found by the regex engine's fast scan
  let bytes = payload.length;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(payload.charCodeAt(i + 1))) {
      bytes += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else bytes += 2; // 3 bytes (a lone surrogate is sent as U+FFFD, 3 bytes too)
  }
  return bytes;
}

const NON_ASCII = /[^\x00-\x7f]/;

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The bytes of a binary payload, as a Uint8Array over the same memory (a view's own range). */
export function bytesOf(payload: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(payload) ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength) : new Uint8Array(payload);
}

function prefixBytes(header: string, payload: ArrayBuffer | ArrayBufferView): Uint8Array {
  const head = encoder.encode(header);
  const body = bytesOf(payload);
  const frame = new Uint8Array(head.length + body.length);
  frame.set(head, 0);
  frame.set(body, head.length);
  return frame;
}

/**
 * Decodes one WebSocket message of a session connection, or returns undefined when it is not a
 * well-formed frame (a protocol error for the caller). A binary payload keeps the type it came in:
 * an `ArrayBuffer` gives an `ArrayBuffer` (a copy), a typed array or other view a view of the same
 * bytes (no copy).
 */
export function decodeFrame(message: unknown): SessionFrame | undefined {
  if (typeof message === 'string') return decodeText(message);
  let bytes: Uint8Array;
  if (message instanceof ArrayBuffer) bytes = new Uint8Array(message);
  else if (ArrayBuffer.isView(message)) bytes = bytesOf(message);
  else return undefined;
  const type = bytes[0];
  if (type === U) return { type: 'unsequenced', payload: sliceOf(message, 1) };
  if (type !== D) return undefined;
  // D<seq>:<ack>:<payload>
  let i = 1;
  const seq = readNumber(bytes, i);
  if (seq === undefined) return undefined;
  i = seq.end + 1;
  const ack = readNumber(bytes, i);
  if (ack === undefined) return undefined;
  return { type: 'data', seq: seq.value, ack: ack.value, payload: sliceOf(message, ack.end + 1) };
}

/** A decimal number at `start` of `bytes` ending with ':' (at `end`). */
function readNumber(bytes: Uint8Array, start: number): { value: number; end: number } | undefined {
  let value = 0;
  let i = start;
  for (; i < bytes.length && i - start <= 16; i++) {
    const c = bytes[i]!;
    if (c === COLON) break;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
  }
  if (i === start || bytes[i] !== COLON || !Number.isSafeInteger(value) || (bytes[start] === 0x30 && i - start > 1)) return undefined;
  return { value, end: i };
}

function sliceOf(message: ArrayBuffer | ArrayBufferView, from: number): ArrayBuffer | ArrayBufferView {
  if (message instanceof ArrayBuffer) return message.slice(from);
  // A Uint8Array subclass's subarray keeps its class (Node's byte buffers stay so); any other view becomes a Uint8Array over the same bytes.
  const subarray = (message as { subarray?: (start: number) => ArrayBufferView }).subarray;
  return typeof subarray === 'function' && message instanceof Uint8Array
    ? subarray.call(message, from)
    : new Uint8Array(message.buffer, message.byteOffset + from, message.byteLength - from);
}

/**
 * The decimal number at `start` of `text`, up to `end` (exclusive): no sign, no leading zero, at
 * most 2^53 − 1; undefined otherwise. A loop over char codes: this runs for every message.
 */
function decimal(text: string, start: number, end: number): number | undefined {
  if (end <= start || end - start > 16 || (text.charCodeAt(start) === 0x30 && end - start > 1)) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

function decodeText(text: string): SessionFrame | undefined {
  switch (text.charCodeAt(0)) {
    case D: {
      const first = text.indexOf(':', 1);
      const second = first < 0 ? -1 : text.indexOf(':', first + 1);
      if (second < 0) return undefined;
      const seq = decimal(text, 1, first);
      const ack = decimal(text, first + 1, second);
      if (seq === undefined || ack === undefined) return undefined;
      return { type: 'data', seq, ack, payload: text.slice(second + 1) };
    }
    case U:
      return { type: 'unsequenced', payload: text.slice(1) };
    case 0x41: {
      // 'A'
      const ack = decimal(text, 1, text.length);
      return ack === undefined ? undefined : { type: 'ack', ack };
    }
    case 0x48: // 'H'
    case 0x57: {
      // 'W'
      let body: unknown;
      try {
        body = JSON.parse(text.slice(1));
      } catch {
        return undefined;
      }
      if (body === null || typeof body !== 'object') return undefined;
      const { session, kind, received } = body as Record<string, unknown>;
      if (typeof received !== 'number' || !Number.isSafeInteger(received) || received < 0) return undefined;
      if (text.charCodeAt(0) === 0x48) {
        return session === null || (typeof session === 'string' && session !== '') ? { type: 'hello', session, received } : undefined;
      }
      return typeof session === 'string' && session !== '' && (kind === 'new' || kind === 'resumed')
        ? { type: 'welcome', session, kind, received }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** A new session id: 128 random bits as 22 characters of base64url. */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A session id shortened for logs and error messages (never the whole id). */
export function redactId(id: string): string {
  return `${id.slice(0, 4)}…`;
}
