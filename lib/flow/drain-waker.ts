// Wakes a flow controller when a socket's `bufferedAmount` may have fallen: on write completions
// where rxws's Node socket reports them, else on a poll. Browser-safe (no `ws`, no Node built-ins).
import { getNodeControls } from '../websocket/controls.js';
import type { WebSocketLike } from '../websocket/socket-like.js';

type Timer = ReturnType<typeof setTimeout>;

/**
 * @internal Calls `listener` whenever a socket's `bufferedAmount` may have fallen, while armed.
 * rxws's Node `WebSocket`: on each write completion (`getNodeControls(socket).onWritten`), no
 * timer. Any other socket (browsers have no drain event): a `setTimeout` poll every `poll` ms,
 * only while armed.
 */
export class DrainWaker {
  readonly #listener: () => void;
  readonly #poll: number;
  #socket: WebSocketLike | null = null;
  #off: (() => void) | undefined = undefined;
  #timer: Timer | undefined = undefined;
  readonly #tick = (): void => {
    this.#timer = undefined;
    const socket = this.#socket;
    if (socket === null) return;
    if (socket.readyState === 3) {
      // CLOSED: its bufferedAmount never falls again. Stop polling it; a new connection arms anew.
      this.#socket = null;
      return;
    }
    this.#schedule();
    this.#listener();
  };

  constructor(listener: () => void, poll: number) {
    this.#listener = listener;
    this.#poll = poll;
  }

  /** Whether it is polling (armed on a socket without write-completion events). */
  get polling(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts waking on `socket` (a no-op if already armed on it). */
  arm(socket: WebSocketLike): void {
    if (this.#socket === socket) return;
    this.disarm();
    this.#socket = socket;
    const controls = getNodeControls(socket);
    if (controls !== undefined) this.#off = controls.onWritten(this.#listener);
    else this.#schedule();
  }

  /** Stops waking (removes the listener, clears the timer). */
  disarm(): void {
    this.#socket = null;
    this.#off?.();
    this.#off = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const timer = setTimeout(this.#tick, this.#poll);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}

