// The outbound queue bounded by bytes and age as well as by count: boundQueue(subject, options)
// puts a BoundedQueue where the engine keeps its queue (the engine makes its plain OutboundQueue
// only when it has none), so a plain webSocket() bundles none of this.
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import { FifoQueue } from '../websocket/fifo-queue.js';
import { checkNumber, checkOptions } from '../common/options.js';
import { OutboundQueue, QueueOverflowError, type DropSink, type OverflowPolicy } from '../subject/outbound-queue.js';
import { requireEngine } from '../subject/engine-host.js';

/**
 * The options of {@link boundQueue}: bounds of the outbound queue besides its message count
 * (`queue.limit` of `webSocket()`, which still applies, as does `queue.overflow`).
 */
export interface QueueBounds {
  /**
   * The most bytes the queued messages may hold together (UTF-8 bytes of text, the byte length
   * of binary data). A `next()` that would pass it is an overflow, handled by the queue's
   * `overflow` policy (`'drop-oldest'` drops the oldest until the new one fits; a message larger
   * than `maxBytes` on its own never fits and is dropped). Default `Infinity`.
   */
  maxBytes?: number;
  /**
   * How long (ms) a message may wait in the queue: one still there after `ttl` ms is dropped,
   * reported on `dropped$` with reason `'expired'`, and never sent. Default `Infinity`. Timed
   * by `setTimeout` and `Date.now()` (Jest's fake timers drive both).
   */
  ttl?: number;
}

const WHERE = 'boundQueue()';

/**
 * Bounds `subject`'s outbound queue (what `next()` holds while no connection is open) by bytes
 * and by age, as well as by its message count: SignalR bounds its buffer in bytes; a queued
 * message that is `ttl` ms old is worthless to send. What it drops is on `dropped$`: reason
 * `'overflow'` (over `maxBytes`, as over `queue.limit`) or `'expired'` (older than `ttl`).
 * Messages queued already stay, within the new bounds. Call it once per subject, before or
 * after subscribing. Bundled only when imported.
 *
 * @returns the subject, for chaining.
 * @throws TypeError for a bad option or a `subject` that is not a `WebSocketSubject`.
 *
 * @example
 * import { webSocket, boundQueue } from 'rxws';
 *
 * const orders$ = boundQueue(webSocket<Order>({ url, queue: { limit: 1000 } }), { maxBytes: 256 * 1024, ttl: 30_000 });
 * orders$.dropped$.subscribe(({ reason, data }) => reason === 'expired' && warnNotSent(data));
 */
export function boundQueue<S extends WebSocketSubject<never, unknown>>(subject: S, options: QueueBounds): S {
  const engine = requireEngine<unknown, unknown>(subject, WHERE);
  checkOptions(WHERE, options, 'options', ['maxBytes', 'ttl']);
  const waiting = engine.queueIfAny?.drain() ?? [];
  const queue = (engine.queueIfAny = new BoundedQueue(
    engine,
    checkNumber(WHERE, options.maxBytes, 'maxBytes', Infinity, 0, true, true),
    checkNumber(WHERE, options.ttl, 'ttl', Infinity, 0, false, true),
  ));
  for (const data of waiting) queue.push(data);
  return subject;
}

/** The bytes `data` takes on the wire (UTF-8 for text; a Blob measures any message alike). */
export function byteSize(data: WebSocketMessage): number {
  return new Blob([data as BlobPart]).size;
}

/** @internal The queue {@link boundQueue} puts in place: an {@link OutboundQueue} that also counts bytes and ages. */
export class BoundedQueue extends OutboundQueue {
  /** Per queued message, in order: its size and when it expires. */
  readonly #entries = new FifoQueue<readonly [size: number, expires: number]>();
  /** The queued bytes. */
  bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly engine: DropSink & { readonly config: { readonly queueLimit: number; readonly overflow: OverflowPolicy } },
    readonly maxBytes: number,
    readonly ttl: number,
  ) {
    super(engine.config.queueLimit, engine.config.overflow, engine);
  }

  /** The count, once the expired messages are dropped (so the engine never flushes one). */
  override get length(): number {
    this.#expire();
    return super.length;
  }

  /**
   * Queues `data` within the bounds: when it does not fit (count or bytes), `'drop-oldest'` drops
   * the oldest until it does (unless it alone is over `maxBytes`), the other policies drop it.
   * @throws QueueOverflowError when it does not fit and the policy is `'error'`.
   */
  override push(data: WebSocketMessage): void {
    const size = byteSize(data);
    const fits = (): boolean => this.length < this.limit && this.bytes + size <= this.maxBytes;
    if (this.overflow === 'drop-oldest' && size <= this.maxBytes) {
      while (super.length > 0 && !fits()) this.#drop('overflow');
    }
    if (fits()) {
      super.push(data); // (fits: the count policy has nothing to drop)
      this.#entries.push([size, Date.now() + this.ttl]);
      this.bytes += size;
      this.#arm();
      return;
    }
    this.engine.reportDrop({ data, reason: 'overflow' });
    if (this.overflow === 'error') throw new QueueOverflowError(this.limit, data);
  }

  override shift(): WebSocketMessage | undefined {
    const data = super.shift();
    if (data !== undefined) this.bytes -= this.#entries.shift()![0];
    return data;
  }

  override clear(): void {
    super.clear();
    this.#entries.clear();
    this.bytes = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(reason: 'overflow' | 'expired'): void {
    this.engine.reportDrop({ data: this.shift()!, reason });
  }

  /** Drops the messages whose time is up, oldest first. */
  #expire(): void {
    while ((this.#entries.peek()?.[1] ?? Infinity) <= Date.now()) this.#drop('expired');
  }

  /** A timer for the oldest message's expiry, unless one runs (it looks again when it fires). */
  #arm(): void {
    const expires = this.#entries.peek()?.[1] ?? Infinity;
    if (this.#timer !== undefined || expires === Infinity) return;
    const timer = (this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#expire();
      this.#arm();
    }, expires - Date.now()));
    (timer as { unref?: () => void }).unref?.(); // (Node: never keeps a process alive, as rxws's other timers)
  }
}
