// toAsyncIterable()'s iterator: a bounded inbound buffer that pauses the socket when full.
import { FifoQueue } from '../websocket/fifo-queue.js';
import { sendGateOf, type HasSendGate } from '../subject/send-gate.js';
import { InboundPause, HeldSubscription } from './stream-support.js';

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

export class MessageIterator<T> implements WebSocketAsyncIterator<T> {
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
