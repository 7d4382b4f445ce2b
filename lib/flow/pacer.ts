// A pacer over a socket: closed above the high-water mark, open again at the low one.
import type { WebSocketLike } from '../websocket/socket-like.js';
import { DrainWaker } from './drain-waker.js';
import type { WaterMarks } from './water-marks.js';

/**
 * @internal Watermarks over a socket's `bufferedAmount`: `check()` after each value closes it
 * when `bufferedAmount` is above `high`; it reopens at `low` and calls `onOpen`. A subject's send
 * gate is one, and so is a producer's own (a raw WebSocket given to `gate()`, or a subject given
 * to `gate()` with options of its own).
 */
export class Pacer {
  readonly marks: WaterMarks;
  blocked = false;
  readonly #onOpen: () => void;
  // Made when first closed: a pacer that never closes costs no waker.
  #waker: DrainWaker | undefined = undefined;
  /** The socket it closed on (while closed). */
  socket: WebSocketLike | null = null;

  constructor(marks: WaterMarks, onOpen: () => void) {
    this.marks = marks;
    this.#onOpen = onOpen;
  }

  /** Whether the poll timer runs (for tests of the browser path). */
  get polling(): boolean {
    return this.#waker?.polling ?? false;
  }

  /** After a value went out on `socket`: close if above the high-water mark. */
  check(socket: WebSocketLike | null): void {
    if (socket === null || this.blocked || !(socket.bufferedAmount > this.marks.high)) return;
    this.blocked = true;
    this.socket = socket;
    (this.#waker ??= new DrainWaker(() => this.#wake(), this.marks.poll)).arm(socket);
  }

  /** Opens and stops watching (the socket went away). */
  reset(): void {
    this.blocked = false;
    this.socket = null;
    this.#waker?.disarm();
  }

  #wake(): void {
    const socket = this.socket;
    if (socket === null || socket.bufferedAmount > this.marks.low) return;
    this.reset();
    this.#onOpen();
  }
}
