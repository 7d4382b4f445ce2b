// toReadable()'s object-mode Readable: the stream's own buffer pauses the socket when full.
import { Readable } from 'node:stream';
import { sendGateOf, type HasSendGate } from '../subject/send-gate.js';
import { InboundPause, asError, HeldSubscription } from './stream-support.js';

export class WebSocketReadable<T> extends Readable {
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
