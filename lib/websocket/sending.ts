// What `send()` does before `ws` writes: WebIDL's conversion of the data, and the queue that keeps
// message order while a Blob is read.
import { types } from 'node:util';
import type { WebSocketData } from './constants.js';
import { FifoQueue } from './fifo-queue.js';

/**
 * The data of `send()` as `ws` takes it (WebIDL `(BufferSource or Blob or USVString)`): a string
 * for a text message, a view of the same bytes or a Blob for a binary one. No copy is made.
 */
export function toPayload(data: WebSocketData): string | Uint8Array | Blob {
  if (typeof data === 'string') return data;
  // (util.types, not instanceof: the buffer may come from another realm, e.g. a vm context)
  if (types.isArrayBuffer(data)) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    if (types.isSharedArrayBuffer(data.buffer)) {
      throw new TypeError("Failed to execute 'send' on 'WebSocket': The provided ArrayBufferView value must not be shared.");
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof Blob) return data;
  // WebIDL: anything else is converted with ToString (USVString), a bare SharedArrayBuffer too
  // (it is not a BufferSource): it is sent as the text "[object SharedArrayBuffer]".
  return String(data);
}

/** The payload bytes of what {@link toPayload} returned (what `bufferedAmount` counts). */
export function payloadSize(payload: string | Uint8Array | Blob): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  return payload instanceof Uint8Array ? payload.byteLength : payload.size;
}

/** A send that waits behind a Blob being read, or the close that follows such sends. */
export interface PendingOperation {
  data: string | Uint8Array | Blob | null; // null: the close frame
  binary: boolean;
  size: number;
  closeCode?: number | undefined;
  closeReason?: string;
}

export const kSendNow = Symbol('rxws.sendNow');
export const kPendingDone = Symbol('rxws.pendingDone');
export const kPendingFailed = Symbol('rxws.pendingFailed');

/** What the queue drives on its socket (rxws's WebSocket implements it). */
export interface PendingSink {
  /** Writes a send, or the close frame, now (nothing if the connection closed meanwhile). */
  [kSendNow](operation: PendingOperation): void;
  /** The queue is empty: sends go straight to `ws` again. */
  [kPendingDone](): void;
  /** A Blob could not be read: the connection fails rather than skip a message. */
  [kPendingFailed](error: Error): void;
}

/** Operations queued behind a Blob that is being read, so message order holds. */
export class PendingSends {
  readonly #queue = new FifoQueue<PendingOperation>();
  readonly #sink: PendingSink;
  #reading = false;

  constructor(sink: PendingSink) {
    this.#sink = sink;
  }

  /** Queues `operation` and sends what can be sent. */
  push(operation: PendingOperation): void {
    this.#queue.push(operation);
    this.flush();
  }

  /** Sends queued operations in order, stopping at a Blob until its bytes are read. */
  flush(): void {
    const queue = this.#queue;
    if (this.#reading) return;
    while (queue.length > 0) {
      const head = queue.peek()!;
      if (head.data instanceof Blob) {
        this.#reading = true;
        head.data.arrayBuffer().then(
          (bytes) => {
            head.data = new Uint8Array(bytes);
            this.#reading = false;
            this.flush();
          },
          (error: unknown) => {
            this.#reading = false;
            this.#sink[kPendingFailed](error instanceof Error ? error : new Error(String(error)));
          },
        );
        return;
      }
      queue.shift();
      this.#sink[kSendNow](head);
    }
    this.#sink[kPendingDone]();
  }
}
