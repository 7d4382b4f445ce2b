// Node adapters of a WebSocketSubject: an async iterable and an object-mode Readable whose slow
// consumer pauses the TCP socket (receive backpressure), and a Writable whose callbacks follow the
// send gate (send backpressure), so `stream.pipeline()` moves data through a socket in bounded memory.
import { Readable, Writable } from 'node:stream';
import { getNodeControls, type NodeControls } from '../websocket/controls.js';
import { FifoQueue } from '../websocket/fifo-queue.js';
import { DrainWaker } from '../flow/drain-waker.js';
import { hasSendGate, sendGateOf, type HasSendGate, type SendGate } from '../subject/send-gate.js';
import { WebSocketCloseError } from '../subject/close-error.js';
import { webSocket } from '../subject/web-socket.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import type { GateTarget } from '../operators/gate.js';

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
 * The iterator {@link toAsyncIterable} returns (its own async iterable, like a generator: one
 * `for await` over it; after `break` it is done).
 */
export interface WebSocketAsyncIterator<T> extends AsyncIterableIterator<T> {
  /** How many received messages wait for the consumer now. */
  readonly buffered: number;
  /** Whether the socket is paused by this iterator now. */
  readonly paused: boolean;
  /** Ends the iteration: unsubscribes (see {@link toAsyncIterable}). */
  return(): Promise<IteratorResult<T, undefined>>;
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
  checkOptions(options, where, ['highWaterMark', 'lowWaterMark']);
  const high = wholeNumber(options?.highWaterMark, where, 'highWaterMark', 1) ?? DEFAULT_INBOUND_HIGH_WATER_MARK;
  const low = wholeNumber(options?.lowWaterMark, where, 'lowWaterMark', 0) ?? Math.floor(high / 2);
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
  checkOptions(options, where, ['highWaterMark']);
  const high = wholeNumber(options?.highWaterMark, where, 'highWaterMark', 1) ?? DEFAULT_INBOUND_HIGH_WATER_MARK;
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
  checkOptions(options, where, ['highWaterMark', 'maxBufferedAmount', 'closeOnFinish']);
  const high = wholeNumber(options?.highWaterMark, where, 'highWaterMark', 1) ?? DEFAULT_OUTBOUND_HIGH_WATER_MARK;
  const maxBuffered = options?.maxBufferedAmount === undefined ? DEFAULT_MAX_BUFFERED_AMOUNT : options.maxBufferedAmount;
  if (typeof maxBuffered !== 'number' || Number.isNaN(maxBuffered) || maxBuffered < 0) {
    throw new TypeError(`${where}: 'maxBufferedAmount' must be a number of bytes >= 0 (or Infinity), not ${String(maxBuffered)}.`);
  }
  const closeOnFinish = options?.closeOnFinish ?? false;
  if (typeof closeOnFinish !== 'boolean') throw new TypeError(`${where}: 'closeOnFinish' must be a boolean.`);
  return new WebSocketWritable(subjectOf(socket, where), high, maxBuffered, closeOnFinish);
}

// ---- internals ---------------------------------------------------------------------------

function identity(data: WebSocketMessage): WebSocketMessage {
  return data;
}

function dataOf(event: MessageEvent): unknown {
  return event.data;
}

function subjectOf(socket: GateTarget, where: string): HasSendGate {
  if (hasSendGate(socket)) return socket;
  const s = socket as WebSocketLike | null;
  if (s !== null && typeof s === 'object' && typeof s.send === 'function' && typeof s.addEventListener === 'function' && typeof s.readyState === 'number') {
    return webSocket<WebSocketMessage, unknown>({ socket: s, serializer: identity, deserializer: dataOf }) as unknown as HasSendGate;
  }
  throw new TypeError(`${where}: expected a WebSocketSubject or a WebSocket, not ${s === null ? 'null' : typeof s}.`);
}

function checkOptions(options: unknown, where: string, keys: string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object.`);
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new TypeError(`${where}: unknown option '${key}'.`);
  }
}

function wholeNumber(value: unknown, where: string, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${where}: '${name}' must be a whole number >= ${min}, not ${String(value)}.`);
  }
  return value;
}

/** Pauses and resumes the subject's current socket for inbound flow control. */
class InboundPause {
  readonly #gate: SendGate;
  #paused: NodeControls | undefined = undefined;
  #socket: WebSocketLike | undefined = undefined;

  constructor(gate: SendGate) {
    this.#gate = gate;
  }

  get paused(): boolean {
    return this.#paused !== undefined && this.#socket === this.#gate.currentSocket;
  }

  pause(): void {
    const socket = this.#gate.currentSocket;
    if (socket === undefined || (this.#paused !== undefined && this.#socket === socket)) return;
    const controls = getNodeControls(socket);
    if (controls === undefined) return;
    controls.pause();
    this.#paused = controls;
    this.#socket = socket;
  }

  resume(): void {
    const controls = this.#paused;
    this.#paused = undefined;
    this.#socket = undefined;
    controls?.resume();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One adapter's subscription to the subject: held until the subject ends it (error, complete) or
 * the adapter releases it. An end that comes during `subscribe()` itself leaves nothing held.
 */
class HeldSubscription {
  #subscription: { unsubscribe(): void } | undefined = undefined;
  #ended = false;

  constructor(
    subject: HasSendGate,
    next: ((value: never) => void) | undefined,
    onError: (error: unknown) => void,
    onComplete: () => void,
  ) {
    const subscription = subject.subscribe({
      next,
      error: (error: unknown) => {
        this.#end();
        onError(error);
      },
      complete: () => {
        this.#end();
        onComplete();
      },
    });
    if (!this.#ended) this.#subscription = subscription;
  }

  /** Unsubscribes, if still subscribed. */
  release(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
  }

  #end(): void {
    this.#ended = true;
    this.#subscription = undefined;
  }
}

class MessageIterator<T> implements WebSocketAsyncIterator<T> {
  readonly #subject: HasSendGate;
  readonly #high: number;
  readonly #low: number;
  readonly #pause: InboundPause;
  readonly #buffer = new FifoQueue<T>();
  #subscription: HeldSubscription | undefined = undefined;
  #started = false;
  #done = false;
  #end: { error: unknown } | { error?: undefined } | undefined = undefined;
  #waiting: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | undefined = undefined;

  constructor(subject: HasSendGate, high: number, low: number) {
    this.#subject = subject;
    this.#high = high;
    this.#low = low;
    this.#pause = new InboundPause(sendGateOf(subject));
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  get paused(): boolean {
    return this.#pause.paused;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.#started) this.#start();
    const buffer = this.#buffer;
    if (buffer.length > 0) {
      const value = buffer.shift()!;
      if (buffer.length <= this.#low && this.#pause.paused) this.#pause.resume();
      return Promise.resolve({ done: false, value });
    }
    const end = this.#end;
    if (end !== undefined || this.#done) {
      if (end !== undefined && 'error' in end && end.error !== undefined) {
        this.#end = {};
        return Promise.reject(end.error);
      }
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  #start(): void {
    this.#started = true;
    this.#subscription = new HeldSubscription(
      this.#subject,
      (value) => this.#receive(value as T),
      (error) => this.#ended({ error }),
      () => this.#ended({}),
    );
  }

  #receive(value: T): void {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ done: false, value });
      return;
    }
    const buffer = this.#buffer;
    buffer.push(value);
    if (buffer.length >= this.#high) this.#pause.pause();
  }

  #ended(end: { error: unknown } | { error?: undefined }): void {
    this.#pause.resume();
    this.#end = end;
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    this.#end = {};
    if (end.error !== undefined) waiting.reject(end.error);
    else waiting.resolve({ done: true, value: undefined });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#started = true;
    this.#buffer.clear();
    this.#end = {};
    this.#pause.resume();
    this.#subscription?.release();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({ done: true, value: undefined });
  }
}

class WebSocketReadable<T> extends Readable {
  readonly #pause: InboundPause;
  // (Unset while the constructor subscribes: a synchronous end may destroy the stream meanwhile.)
  readonly #subscription: HeldSubscription | undefined;

  constructor(subject: HasSendGate, highWaterMark: number) {
    super({ objectMode: true, highWaterMark });
    this.#pause = new InboundPause(sendGateOf(subject));
    this.#subscription = new HeldSubscription(
      subject,
      (value) => {
        if ((value as T | null) === null) return;
        if (!this.push(value as T)) this.#pause.pause();
      },
      (error) => this.destroy(asError(error)),
      () => this.push(null),
    );
  }

  override _read(): void {
    this.#pause.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#pause.resume();
    this.#subscription?.release();
    callback(error);
  }
}

class WebSocketWritable extends Writable {
  readonly #subject: HasSendGate;
  readonly #gate: SendGate;
  readonly #closeOnFinish: boolean;
  readonly #maxBuffered: number;
  // (Unset while the constructor subscribes: a synchronous end may destroy the stream meanwhile.)
  readonly #subscription: HeldSubscription | undefined;
  #closeWatch: { unsubscribe(): void } | undefined;
  #lastClose: { code: number; reason: string; wasClean: boolean } | undefined = undefined;
  #cancel: (() => void) | undefined = undefined;
  // Wakes the wait in progress (#wake) on write completions; made for the first wait.
  #waker: DrainWaker | undefined = undefined;
  #wake: (() => void) | undefined = undefined;
  /** We closed the connection ourselves (closeOnFinish, or our own unsubscribe). */
  #closing = false;
  #onClosed: (() => void) | undefined = undefined;

  constructor(subject: HasSendGate, highWaterMark: number, maxBuffered: number, closeOnFinish: boolean) {
    super({ objectMode: true, highWaterMark, decodeStrings: false });
    this.#subject = subject;
    this.#gate = sendGateOf(subject);
    this.#maxBuffered = maxBuffered;
    this.#closeOnFinish = closeOnFinish;
    this.#closeWatch = subject.close$.subscribe((event) => {
      this.#lastClose = event;
      if (this.#onClosed !== undefined) this.#onClosed();
    });
    this.#subscription = new HeldSubscription(
      subject,
      undefined,
      (error) => this.destroy(asError(error)),
      () => {
        if (this.#closing) return;
        const close = this.#lastClose ?? { code: 1005, reason: '', wasClean: false };
        this.destroy(
          new WebSocketCloseError({
            ...close,
            message: `The WebSocket closed (code ${close.code}) before the Writable ended; what was not yet written is lost.`,
          }),
        );
      },
    );
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send([chunk], 0, callback);
  }

  override _writev(chunks: Array<{ chunk: unknown }>, callback: (error?: Error | null) => void): void {
    this.#send(chunks.map((c) => c.chunk), 0, callback);
  }

  // Sends chunks from `index` while the gate is open and at most #maxBuffered bytes are in
  // flight; calls back once that holds again after the last.
  #send(chunks: unknown[], index: number, callback: (error?: Error | null) => void): void {
    while (index < chunks.length) {
      if (!this.#within(this.#maxBuffered)) {
        this.#whenWithin(this.#maxBuffered, () => this.#send(chunks, index, callback));
        return;
      }
      try {
        this.#subject.next(chunks[index++] as never);
      } catch (error) {
        callback(asError(error));
        return;
      }
    }
    this.#whenWithin(this.#maxBuffered, callback);
  }

  /** Whether the send gate is open and at most `limit` bytes are in flight. */
  #within(limit: number): boolean {
    const gate = this.#gate;
    return gate.canWrite && gate.socket!.bufferedAmount <= limit;
  }

  // Runs `then` once #within(limit) holds: woken by the gate reopening, or by write completions
  // (polled on a socket that reports none). A close meanwhile ends the wait: destroy cancels it.
  #whenWithin(limit: number, then: () => void): void {
    const gate = this.#gate;
    const check = (): void => {
      if (!gate.canWrite) {
        this.#waker?.disarm();
        this.#cancel = gate.whenWritable(() => {
          this.#cancel = undefined;
          check();
        });
        return;
      }
      const socket = gate.socket!;
      if (socket.bufferedAmount > limit) {
        this.#wake = check;
        (this.#waker ??= new DrainWaker(() => this.#wake?.(), gate.marks.poll)).arm(socket);
        return;
      }
      this.#wake = undefined;
      this.#waker?.disarm();
      then();
    };
    check();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Everything written first: nothing queued, nothing in flight.
    this.#whenWithin(0, () => {
      if (!this.#closeOnFinish) {
        callback();
        return;
      }
      this.#onClosed = () => {
        this.#onClosed = undefined;
        callback();
      };
      this.#closing = true;
      this.#subject.complete();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#waker?.disarm();
    this.#wake = undefined;
    this.#onClosed = undefined;
    this.#closeWatch?.unsubscribe();
    this.#closeWatch = undefined;
    this.#closing = true;
    this.#subscription?.release();
    callback(error);
  }
}
