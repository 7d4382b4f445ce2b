// The server's data frames, written as WebSocket frames straight into one buffer per batch: a
// burst of `session.next()` (or a replay) costs one allocation and one write, not a string
// concatenation, a `ws.send()` and a write per message. A session message `D<seq>:<ack>:<payload>`
// (docs/session-protocol.md §2) gets the unmasked frame a server sends (RFC 6455 §5.2): FIN, the
// text or binary opcode, the payload length in its shortest form.
import { bytesOf, type SessionPayload } from '../session/protocol.js';

/** A message to frame: its seq and payload (a `StoredMessage`). */
export interface DataMessage {
  readonly seq: number;
  readonly payload: SessionPayload;
}

const FIN_TEXT = 0x81;
const FIN_BINARY = 0x82;
const D = 0x44;
const COLON = 0x3a;

/** The number of decimal digits of `n` (a non-negative safe integer). */
function digits(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/** Writes `n`'s `count` decimal digits into `buffer` at `at`; returns the offset after them. */
function writeDecimal(buffer: Buffer, at: number, n: number, count: number): number {
  const end = at + count;
  for (let i = end - 1; i >= at; i--) {
    buffer[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * The WebSocket frames of `messages` (all acknowledging `ack`), back to back in one buffer.
 *
 * @example
 * tcp.write(dataFrames([{ seq: 1, payload: '{"a":1}' }], 0)); // one unmasked text frame: D1:0:{"a":1}
 */
export function dataFrames(messages: readonly DataMessage[], ack: number): Buffer {
  const ackDigits = digits(ack);
  const sizes = new Array<number>(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const { seq, payload } = messages[i]!;
    const length = 3 + digits(seq) + ackDigits + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
    sizes[i] = length;
    total += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
  }
  const buffer = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const { seq, payload } = messages[i]!;
    const length = sizes[i]!;
    buffer[at++] = typeof payload === 'string' ? FIN_TEXT : FIN_BINARY;
    if (length < 126) buffer[at++] = length;
    else if (length < 65536) {
      buffer[at++] = 126;
      buffer.writeUInt16BE(length, at);
      at += 2;
    } else {
      buffer[at++] = 127;
      buffer.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at);
      buffer.writeUInt32BE(length >>> 0, at + 4);
      at += 8;
    }
    buffer[at++] = D;
    at = writeDecimal(buffer, at, seq, digits(seq));
    buffer[at++] = COLON;
    at = writeDecimal(buffer, at, ack, ackDigits);
    buffer[at++] = COLON;
    if (typeof payload === 'string') at += buffer.write(payload, at, 'utf8');
    else {
      const bytes = bytesOf(payload);
      buffer.set(bytes, at);
      at += bytes.length;
    }
  }
  return buffer;
}
