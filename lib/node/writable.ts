// toWritable()'s Writable: write callbacks follow the send gate.
import { Writable } from 'node:stream';
import { DrainWaker } from '../flow/drain-waker.js';
import { DEFAULT_HIGH_WATER_MARK } from '../flow/water-marks.js';
import { sendGateOf, type HasSendGate, type SendGate } from '../subject/send-gate.js';
import { WebSocketCloseError } from '../subject/close-error.js';
import { asError, HeldSubscription } from './stream-support.js';

export class WebSocketWritable extends Writable {
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
    // A subject without the `backpressure` option has a gate that never closes: the default high-water mark bounds it then.
    this.#maxBuffered = this.#gate.configured ? maxBuffered : Math.min(maxBuffered, DEFAULT_HIGH_WATER_MARK);
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
