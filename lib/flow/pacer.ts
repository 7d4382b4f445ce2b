// A pacer over someone else's socket: closed above the high-water mark, open again at the low one.
import type { WebSocketLike } from '../websocket/socket-like.js';
import { DrainWaker } from './drain-waker.js';
import type { WaterMarks } from './water-marks.js';

/**
 * @internal A pacer with its own watermarks over someone else's socket (a raw WebSocket given to
 * `gate()`, or a subject given to `gate()` with its own options): `check()` after each value
 * closes it when `bufferedAmount` is above `high`; it reopens at `low`.
 */
export class Pacer {
  readonly marks: WaterMarks;
  blocked = false;
  readonly #waker: DrainWaker;
  readonly #onOpen: () => void;
  #socket: WebSocketLike | null = null;

  constructor(marks: WaterMarks, onOpen: () => void) {
    this.marks = marks;
    this.#onOpen = onOpen;
    this.#waker = new DrainWaker(() => this.#wake(), marks.poll);
  }

  get polling(): boolean {
    return this.#waker.polling;
  }

  /** After a value went out on `socket`: close if above the high-water mark. */
  check(socket: WebSocketLike | null): void {
    if (socket === null || this.blocked || !(socket.bufferedAmount > this.marks.high)) return;
    this.blocked = true;
    this.#socket = socket;
    this.#waker.arm(socket);
  }

  /** Opens and stops watching (the socket went away). */
  reset(): void {
    this.blocked = false;
    this.#socket = null;
    this.#waker.disarm();
  }

  #wake(): void {
    const socket = this.#socket;
    if (socket === null || socket.bufferedAmount > this.marks.low) return;
    this.reset();
    this.#onOpen();
  }
}

