// The sending half of a connection: what `send()` hands to `ws`, `bufferedAmount`, write
// completion, and the coalescing of a tick's writes (the TCP socket corked at the first send of a
// tick and uncorked on process.nextTick, before any I/O: nothing waits longer).
import type { Socket } from 'node:net';
import type { WebSocket as WsSocket } from 'ws';
import { FifoQueue } from './fifo-queue.js';
import { copyBytes } from './message-data.js';

// `ws.send()` options, made once (`ws` copies them).
const SEND_BINARY = Object.freeze({ binary: true });
const SEND_TEXT = Object.freeze({ binary: false });
// Coalescing pays for small messages; past this many bytes held, the batch is written at once
// (holding large frames until the end of the tick only delays them).
const COALESCE_LIMIT = 64 * 1024;

function uncork(outbox: Outbox): void {
  outbox.uncork();
}

/** One socket's outgoing side, made at its first send (an idle connection has none). */
export class Outbox {
  /** The `ws` socket written to (replaced when a handshake is retried with credentials). */
  ws: WsSocket;
  /** The TCP socket under it, corked to coalesce (undefined: writes are not coalesced). */
  tcp: Socket | undefined;
  /** Payload bytes given to `send()` and not yet handed to the network. */
  bufferedAmount = 0;
  /** The TCP socket while this tick's writes are held. */
  corked: Socket | undefined = undefined;
  // One write listener (the usual case) or several; no Set for a connection without any.
  #writeListeners: (() => void) | (() => void)[] | undefined = undefined;
  readonly #copyBinary: boolean;
  readonly #coalesce: boolean;
  #corkedBytes = 0;
  // Sizes of the writes handed to `ws`, in order; `ws` completes writes in order.
  #inFlight: FifoQueue<number> | undefined = undefined;
  #onWritten: ((error?: Error | null) => void) | undefined = undefined;

  /**
   * @param copyBinary Copy binary payloads before `ws` frames them: an adopted server-side socket
   *   sends unmasked frames, which reference the caller's bytes until written.
   * @param coalesce Cork the writes of a tick together.
   */
  constructor(ws: WsSocket, tcp: Socket | undefined, copyBinary: boolean, coalesce: boolean) {
    this.ws = ws;
    this.tcp = tcp;
    this.#copyBinary = copyBinary;
    this.#coalesce = coalesce;
  }

  /** Hands one message to `ws` (the connection is OPEN). */
  write(payload: string | Uint8Array, binary: boolean, size: number): void {
    if (binary && this.#copyBinary) payload = copyBytes(payload as Uint8Array);
    if (size < COALESCE_LIMIT) this.#cork();
    (this.#inFlight ??= new FifoQueue<number>()).push(size);
    this.ws.send(payload, binary ? SEND_BINARY : SEND_TEXT, (this.#onWritten ??= (error) => this.#written(error)));
    if (this.corked !== undefined && (this.#corkedBytes += size) >= COALESCE_LIMIT) this.uncork();
  }

  /**
   * Writes a frame rxws made itself (text-frame.ts) straight to the TCP socket, as one message of
   * `size` bytes. `ws` writes its own frames there synchronously when no extension is negotiated
   * (its sender queues only while compressing, or reading a Blob, which it is never given), so
   * this frame keeps its place among them.
   */
  writeFrame(frame: Buffer, size: number): void {
    this.#cork();
    (this.#inFlight ??= new FifoQueue<number>()).push(size);
    this.tcp!.write(frame, (this.#onWritten ??= (error) => this.#written(error)));
    if (this.corked !== undefined && (this.#corkedBytes += size) >= COALESCE_LIMIT) this.uncork();
  }

  /** Holds this tick's writes (coalescing on, and not held yet): released on process.nextTick, before any I/O. */
  #cork(): void {
    const socket = this.tcp;
    if (!this.#coalesce || this.corked !== undefined || socket === undefined) return;
    socket.cork();
    this.corked = socket;
    process.nextTick(uncork, this);
  }

  /** Writes what this tick's coalescing holds. */
  uncork(): void {
    const socket = this.corked;
    this.corked = undefined;
    this.#corkedBytes = 0;
    socket?.uncork();
  }

  /** Calls `listener` after each write completes; returns its removal. */
  addWriteListener(listener: () => void): () => void {
    const current = this.#writeListeners;
    if (current === undefined) this.#writeListeners = listener;
    else if (typeof current === 'function') this.#writeListeners = [current, listener];
    else this.#writeListeners = [...current, listener];
    return () => {
      const now = this.#writeListeners;
      if (now === listener) this.#writeListeners = undefined;
      else if (Array.isArray(now)) {
        const rest = now.filter((l) => l !== listener);
        this.#writeListeners = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest;
      }
    };
  }

  #written(error?: Error | null): void {
    const size = this.#inFlight!.shift()!;
    // Bytes that never reached the network stay counted, as in browsers after a close.
    if (error) return;
    this.bufferedAmount -= size;
    const listeners = this.#writeListeners;
    if (listeners === undefined) return;
    if (typeof listeners === 'function') listeners();
    else for (const listener of listeners) listener();
  }
}
