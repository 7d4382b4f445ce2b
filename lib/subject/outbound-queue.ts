import { FifoQueue } from '../websocket/fifo-queue.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';

/**
 * What happens when `next()` would put one message more than `limit` in the outbound queue:
 *
 * - `'drop-oldest'` (default): the oldest queued message is dropped to make room;
 * - `'drop-newest'`: the new message is dropped (the queue keeps what it has);
 * - `'error'`: the new message is dropped and `next()` throws a {@link QueueOverflowError}.
 *
 * Every dropped message is reported on `dropped$`, whatever the policy.
 */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'error';

/** The `queue` option of `webSocket()`. */
export interface QueueConfig {
  /**
   * The most messages held while no connection is open (a whole number >= 0, or `Infinity`).
   * Default {@link DEFAULT_QUEUE_LIMIT}. `0` turns queueing off: a `next()` while not OPEN is
   * dropped (and reported).
   */
  limit?: number;
  /** See {@link OverflowPolicy}. Default `'drop-oldest'`. */
  overflow?: OverflowPolicy;
}

/** The default queue bound: 10,000 messages. */
export const DEFAULT_QUEUE_LIMIT = 10_000;

/**
 * Why a message accepted by `next()` was not sent:
 * `'overflow'` (the queue was full, by count or, with `boundQueue()`, by bytes; see
 * {@link OverflowPolicy}), `'expired'` (it waited longer than `boundQueue()`'s `ttl`),
 * `'volatile'` (a `volatile()` message while the connection was not open and writable), or
 * `'send-error'` (the socket's `send()` threw while the queue was being flushed; `error` says why).
 */
export type DropReason = 'overflow' | 'expired' | 'volatile' | 'send-error';

/** One entry of `dropped$`: the serialized message that was not sent, and why. */
export interface DroppedMessage {
  /** The message as the serializer made it. */
  readonly data: WebSocketMessage;
  /** Why it was dropped (see {@link DropReason}): `'overflow'`, `'expired'`, `'volatile'` or `'send-error'`. */
  readonly reason: DropReason;
  /** For `'send-error'`: what `send()` threw. */
  readonly error?: unknown;
}

/**
 * Thrown by `next()` when the outbound queue is full and its policy is `'error'`. The message was
 * not queued (and is reported on `dropped$`).
 *
 * @example
 * try { ws$.next(update); } catch (e) { if (e instanceof QueueOverflowError) showOffline(); }
 */
export class QueueOverflowError extends Error {
  /** `'QueueOverflowError'`. */
  override readonly name = 'QueueOverflowError';
  /** The queue's limit. */
  declare readonly limit: number;
  /** The message that was refused (serialized). */
  declare readonly data: WebSocketMessage;

  constructor(limit: number, data: WebSocketMessage) {
    super(`The outbound queue is full (limit ${limit}): the message was not queued.`);
    this.limit = limit;
    this.data = data;
  }
}

/** Where an {@link OutboundQueue} reports what it drops. */
export interface DropSink {
  reportDrop(dropped: DroppedMessage): void;
}

/**
 * The bounded FIFO of serialized messages waiting for an open connection (a {@link FifoQueue}:
 * O(1) `push` and `shift`; made on first use, as most subjects never queue). It outlives
 * connections: closing, erroring or unsubscribing never clears it.
 */
export class OutboundQueue extends FifoQueue<WebSocketMessage> {
  declare readonly limit: number;
  declare readonly overflow: OverflowPolicy;
  readonly #sink: DropSink;

  constructor(limit: number, overflow: OverflowPolicy, sink: DropSink) {
    super();
    this.limit = limit;
    this.overflow = overflow;
    this.#sink = sink;
  }

  /**
   * Queues `data`, applying the overflow policy when full.
   * @throws QueueOverflowError when full and the policy is `'error'`.
   */
  override push(data: WebSocketMessage): void {
    if (this.length < this.limit) {
      super.push(data);
      return;
    }
    // Full. (A limit of 0 is always full, with nothing to drop but the new message.)
    let dropped = data;
    if (this.overflow === 'drop-oldest' && this.length > 0) {
      dropped = this.shift()!;
      super.push(data);
    }
    this.#sink.reportDrop({ data: dropped, reason: 'overflow' });
    if (this.overflow === 'error') throw new QueueOverflowError(this.limit, data);
  }

  /** Reports a message that could not be sent. */
  dropped(data: WebSocketMessage, error: unknown): void {
    this.#sink.reportDrop({ data, reason: 'send-error', error });
  }
}
