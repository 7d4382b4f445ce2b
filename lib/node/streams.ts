// Node adapters of a WebSocketSubject: an async iterable and an object-mode Readable whose slow
// consumer pauses the TCP socket (receive backpressure), and a Writable whose callbacks follow the
// send gate (send backpressure), so `stream.pipeline()` moves data through a socket in bounded memory.
import { Readable, Writable } from 'node:stream';
import { WebSocketCloseError } from '../subject/close-error.js';
import type { GateTarget } from '../operators/gate.js';
import { checkNumber, checkOneOf, checkOptions } from '../common/options.js';
import { subjectOf } from './stream-support.js';
import { MessageIterator, type WebSocketAsyncIterator } from './message-iterator.js';
export type { WebSocketAsyncIterator } from './message-iterator.js';
import { WebSocketReadable } from './readable.js';
import { WebSocketWritable } from './writable.js';

/** The default inbound buffer of {@link toAsyncIterable} and {@link toReadable}: 64 messages. */
export const DEFAULT_INBOUND_HIGH_WATER_MARK = 64;
/** The default `highWaterMark` of {@link toWritable}: 16 chunks (Node's object-mode default). */
export const DEFAULT_OUTBOUND_HIGH_WATER_MARK = 16;
/** The default `maxBufferedAmount` of {@link toWritable}: 64 KiB. */
export const DEFAULT_MAX_BUFFERED_AMOUNT = 64 * 1024;

/** Options of {@link toAsyncIterable}. */
export interface AsyncIterableOptions {
  /**
   * When this many received messages wait for the consumer, the socket stops reading (`ws`
   * `pause()`), so TCP flow control slows the sender. A whole number >= 1. Default 64.
   */
  highWaterMark?: number;
  /** Reading resumes once the consumer has brought the backlog down to this many. Default `floor(highWaterMark / 2)`. */
  lowWaterMark?: number;
}

/** Options of {@link toReadable}. */
export interface ReadableOptions {
  /** The Readable's `highWaterMark`, in messages: past it, the socket stops reading. Default 64. */
  highWaterMark?: number;
}

/** Options of {@link toWritable}. */
export interface WritableOptions {
  /** The Writable's `highWaterMark`, in chunks (object mode). Default 16. */
  highWaterMark?: number;
  /**
   * A write is called back only once the socket's `bufferedAmount` is at most this many bytes
   * (besides the send gate being open), so a pipeline keeps about this much in flight rather
   * than the gate's high-water mark (woken by write completions; polled, as the gate does, on a
   * socket that reports none). Bytes >= 0; default 64 KiB (about one
   * large chunk, as `ws`'s `createWebSocketStream`); `Infinity`: follow the send gate only.
   * Fewer bytes in flight means fewer live frame buffers, which on glibc also means fewer pages
   * freed and faulted in again: it measured 1.2x faster uploads there (see docs/performance.md).
   */
  maxBufferedAmount?: number;
  /**
   * What ending the Writable does once everything is written. `false` (default): it releases its
   * subscription to the subject (which closes the connection with 1000 if it was the last one, as
   * any last unsubscribe does). `true`: it closes the connection (`complete()`: 1000) whoever
   * else is subscribed, and finishes once the socket has closed.
   */
  closeOnFinish?: boolean;
}


/**
 * The messages of `socket` as an async iterable: `for await (const message of toAsyncIterable(ws$))`.
 *
 * - Subscribes to the subject on the first `next()` (the `for await` starting), which opens or
 *   joins its connection.
 * - When the consumer falls behind by `highWaterMark` messages, the current connection's socket
 *   is paused (`getNodeControls(socket).pause()`): `ws` stops reading TCP, so the peer's sends
 *   back up in the kernel and then in the peer. It resumes once the consumer has brought the
 *   backlog down to `lowWaterMark`. Messages `ws` had already parsed still arrive after the pause
 *   and are kept (so the backlog can exceed `highWaterMark` by what was in flight: about one TCP
 *   read). On a socket without Node controls nothing can be paused, and messages are buffered.
 * - Ends when the subject completes (the client's own close, a clean 1000); throws the
 *   subject's error ({@link WebSocketCloseError}) once the messages received before it are read.
 * - `break` (or `return()`) unsubscribes, which closes the connection with 1000 when it was the
 *   last subscriber, and resumes a paused socket it leaves open.
 *
 * @param socket a `WebSocketSubject` (messages are what its deserializer makes), or a WebSocket
 *   (rxws's Node `WebSocket`, or one a `ws` server accepted wrapped with `wrapWebSocket`):
 *   messages are `event.data` as its `binaryType` delivers them, and the iterator owns it (ending
 *   closes it).
 */
export function toAsyncIterable<T = unknown>(socket: GateTarget, options?: AsyncIterableOptions): WebSocketAsyncIterator<T> {
  const where = 'toAsyncIterable()';
  if (options !== undefined) checkOptions(where, options, 'options', ['highWaterMark', 'lowWaterMark']);
  const high = checkNumber(where, options?.highWaterMark, 'highWaterMark', DEFAULT_INBOUND_HIGH_WATER_MARK, 1, true, false);
  const low = checkNumber(where, options?.lowWaterMark, 'lowWaterMark', Math.floor(high / 2), 0, true, false);
  if (low >= high) throw new TypeError(`${where}: 'lowWaterMark' (${low}) must be less than 'highWaterMark' (${high}).`);
  return new MessageIterator<T>(subjectOf(socket, where), high, low);
}

/**
 * The messages of `socket` as an object-mode `Readable` with the same flow control: when
 * `push()` says the Readable's buffer (`highWaterMark` messages) is full, the socket is paused;
 * `_read()` resumes it. Subscribes at once. The subject completing ends the stream; its error
 * destroys the stream with that error (`'error'`). Destroying the Readable (an early exit or an
 * error in a `pipeline()`) unsubscribes: the connection closes with 1000 if it was the last
 * subscriber. A `null` message (which would end an object-mode stream) is skipped.
 *
 * @example
 * await pipeline(toReadable(ws$), new Transform({ objectMode: true, transform }), createWriteStream('out.ndjson'));
 */
export function toReadable<T = unknown>(socket: GateTarget, options?: ReadableOptions): Readable {
  const where = 'toReadable()';
  if (options !== undefined) checkOptions(where, options, 'options', ['highWaterMark']);
  const high = checkNumber(where, options?.highWaterMark, 'highWaterMark', DEFAULT_INBOUND_HIGH_WATER_MARK, 1, true, false);
  return new WebSocketReadable<T>(subjectOf(socket, where), high);
}

/**
 * A `Writable` (object mode: each chunk is one message, given to the subject's `next()`, so its
 * serializer applies; use an identity serializer for bytes) whose write callbacks follow the send
 * gate: a write is called back once the socket is writable again (connected, and
 * `bufferedAmount` not above the high-water mark). So `pipeline(source, toWritable(ws$))` reads
 * the source no faster than the network takes it.
 *
 * - Subscribes to the subject at once (opening or keeping its connection); writes wait for open.
 * - `end()` / the source ending: `_final` waits until everything is written (nothing queued and
 *   the socket's `bufferedAmount` back to 0), then finishes; see `closeOnFinish` for the connection.
 * - The connection closing before the end destroys the Writable with a {@link WebSocketCloseError}.
 * - Destroying it (an error in the pipeline) unsubscribes: the connection closes with 1000 if it
 *   was the last subscriber.
 *
 * @example
 * await pipeline(createReadStream('dump.bin'), toWritable(webSocket({ url, serializer: (b) => b })));
 */
export function toWritable(socket: GateTarget, options?: WritableOptions): Writable {
  const where = 'toWritable()';
  if (options !== undefined) checkOptions(where, options, 'options', ['highWaterMark', 'maxBufferedAmount', 'closeOnFinish']);
  const high = checkNumber(where, options?.highWaterMark, 'highWaterMark', DEFAULT_OUTBOUND_HIGH_WATER_MARK, 1, true, false);
  const maxBuffered = checkNumber(where, options?.maxBufferedAmount, 'maxBufferedAmount', DEFAULT_MAX_BUFFERED_AMOUNT, 0, false, true);
  checkOneOf(where, options?.closeOnFinish, 'closeOnFinish', [true, false]);
  const closeOnFinish = options?.closeOnFinish ?? false;
  return new WebSocketWritable(subjectOf(socket, where), high, maxBuffered, closeOnFinish);
}
