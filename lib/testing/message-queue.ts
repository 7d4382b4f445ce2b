// A FIFO of received items with awaitable, cancel-safe reads. Two bugs of today's mocks shape it:
// an item is "present" by being in the buffer, never by being truthy (so `0`, `""`, `false` and
// `null` are items), and a read that times out or is aborted removes itself before anything else
// can happen, so it can never take an item that arrives later.
import { realClearTimeout, realNow, realSetTimeout, type RealTimer } from './timers.js';

/** Options of every awaiting method of the kit. */
export interface WaitOptions {
  /** How long to wait, in real milliseconds (fake timers do not affect it). Default: the server's `timeout` (3000). */
  timeout?: number;
  /** Cancels the wait: the promise rejects with the signal's reason and the wait is withdrawn. */
  signal?: AbortSignal;
}

/** A wait of the kit took longer than its timeout. The message says what was expected and what arrived. */
export class WaitTimeoutError extends Error {
  /** Always `'WaitTimeoutError'`. */
  override name = 'WaitTimeoutError';
}

/** @internal What a queue read needs besides the caller's {@link WaitOptions}. */
export interface ReadRequest extends WaitOptions {
  /** Names the wait in teardown reports, e.g. `nextMessage() on connection #1`. */
  label: string;
  /** Builds the error of a timed-out wait (called when it fires, so it can list what arrived). */
  timeoutError: (ms: number) => Error;
  /** Used when `timeout` is not given. */
  defaultTimeout: number;
}

type Slot<T> = { ok: true; value: T } | { ok: false; error: Error };

interface Waiter<T> {
  label: string;
  since: number;
  promise: Promise<T>;
  settle: (slot: Slot<T>) => void;
}

/** A pending read, as listed in teardown reports. */
export interface PendingWait {
  /** What was waited for, e.g. `nextMessage() on connection #1 (/feed)`. */
  label: string;
  /** Real milliseconds it had been waiting. */
  waitedMs: number;
}

/**
 * A FIFO queue whose reads wait: {@link MessageQueue.next} takes the oldest buffered item or waits
 * for the next push. Also carries errors in line (a message that failed to decode rejects exactly
 * the read that would have got it) and an end state (a closed connection rejects the reads that
 * outlive its buffer).
 *
 * @internal
 */
export class MessageQueue<T> {
  readonly #buffer: Slot<T>[] = [];
  readonly #waiters: Waiter<T>[] = [];
  readonly #watchers = new Set<(slot: Slot<T>) => void>();
  #end: (() => Error) | undefined;

  /** Items received and not yet read. */
  get size(): number {
    return this.#buffer.length;
  }

  /** Whether {@link MessageQueue.end} was called. */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** Reads still waiting. */
  get pending(): PendingWait[] {
    const now = realNow();
    return this.#waiters.map((w) => ({ label: w.label, waitedMs: Math.round(now - w.since) }));
  }

  /** Adds an item: the oldest waiting read gets it, otherwise it is buffered. */
  push(value: T): void {
    this.#deliver({ ok: true, value });
  }

  /** Adds an error in line: the read that would have got the next item rejects with it. */
  pushError(error: Error): void {
    this.#deliver({ ok: false, error });
  }

  /**
   * No more items will come: waiting reads reject with `error()`, and so will later reads once
   * the buffer is empty. The first call wins. Rejections of reads pending here are marked handled,
   * since a read nobody awaits any more must not crash the run (teardown reports list them).
   */
  end(error: () => Error): void {
    if (this.#end) return;
    this.#end = error;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.promise.catch(() => undefined);
      waiter.settle({ ok: false, error: error() });
    }
  }

  /**
   * Calls `listener` with every item pushed from now on, without reading it (for "expect no
   * message" checks). Returns a function that stops it.
   */
  watch(listener: (item: { ok: true; value: T } | { ok: false; error: Error }) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /** The oldest unread item, or waits for one (see {@link ReadRequest}). */
  next(request: ReadRequest): Promise<T> {
    const slot = this.#buffer.shift();
    if (slot) return slot.ok ? Promise.resolve(slot.value) : Promise.reject(slot.error);
    if (this.#end) return Promise.reject(this.#end());
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(toError(signal.reason));

    let timer: RealTimer | undefined;
    let waiter!: Waiter<T>;
    const onAbort = (): void => {
      this.#withdraw(waiter);
      waiter.settle({ ok: false, error: toError(signal?.reason) });
    };
    const promise = new Promise<T>((resolve, reject) => {
      waiter = {
        label: request.label,
        since: realNow(),
        promise: undefined as unknown as Promise<T>,
        settle: (result) => {
          realClearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (result.ok) resolve(result.value);
          else reject(result.error);
        },
      };
    });
    waiter.promise = promise;
    const ms = request.timeout ?? request.defaultTimeout;
    if (Number.isFinite(ms)) {
      timer = realSetTimeout(() => {
        // Withdraw first, so the item that may arrive next goes to the buffer, not to us.
        this.#withdraw(waiter);
        waiter.settle({ ok: false, error: request.timeoutError(ms) });
      }, ms);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#waiters.push(waiter);
    return promise;
  }

  /** Removes and returns every buffered item (values only; errors are dropped). */
  drain(): T[] {
    return this.#buffer.splice(0).flatMap((slot) => (slot.ok ? [slot.value] : []));
  }

  #withdraw(waiter: Waiter<T>): void {
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
  }

  #deliver(slot: Slot<T>): void {
    for (const watcher of this.#watchers) watcher(slot);
    const waiter = this.#waiters.shift();
    if (waiter) waiter.settle(slot);
    else this.#buffer.push(slot);
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
