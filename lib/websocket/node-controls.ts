// The Node-only hooks of a socket (`getNodeControls`): ping/pong, pause/resume, terminate and
// write completion, over the `ws` socket underneath.
import type { WebSocket as WsSocket } from 'ws';
import { OPEN } from './constants.js';
import type { NodeControls } from './controls.js';

export const kUncork = Symbol('rxws.uncork');
export const kAddWriteListener = Symbol('rxws.addWriteListener');

/** What the controls need of the rxws WebSocket they belong to. */
export interface ControlsOwner {
  /** Writes what the tick's coalescing holds. */
  [kUncork](): void;
  /** Calls `listener` after each write completes; returns its removal. */
  [kAddWriteListener](listener: () => void): () => void;
}

/** The Node controls of one socket: methods on the prototype, so having them costs one object. */
export class Controls implements NodeControls {
  readonly #socket: ControlsOwner;
  // Replaced when a handshake is retried with credentials (see kOnUnexpectedResponse).
  raw: WsSocket;

  constructor(socket: ControlsOwner, raw: WsSocket) {
    this.#socket = socket;
    this.raw = raw;
  }

  ping(data?: string | Uint8Array): void {
    if (this.raw.readyState === OPEN) this.raw.ping(data);
  }

  onPong(listener: (data: Uint8Array) => void): () => void {
    const raw = this.raw;
    raw.on('pong', listener);
    return () => void raw.off('pong', listener);
  }

  onWritten(listener: () => void): () => void {
    return this.#socket[kAddWriteListener](listener);
  }

  pause(): void {
    this.raw.pause();
  }

  resume(): void {
    this.raw.resume();
  }

  get isPaused(): boolean {
    return this.raw.isPaused;
  }

  terminate(): void {
    this.#socket[kUncork](); // what send() accepted this tick goes out first, as it would without coalescing
    this.raw.terminate();
  }
}
