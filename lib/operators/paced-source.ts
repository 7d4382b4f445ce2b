// Runs a source (an Observable, promise, iterable, async iterable, `ReadableStream` or array-like)
// into a subscriber no faster than a `Writability` allows: the engine of `gate()`. Browser-safe.
import { from, isObservable, observable as symbolObservable, type ObservableInput, type Subscriber, type Subscription } from 'rxjs';
import { FifoQueue } from '../websocket/fifo-queue.js';

/** @internal When a paced producer may emit, and a way to be told. */
export interface Writability {
  canWrite(): boolean;
  /** Calls `callback` once writing is possible (replaces an earlier wait). */
  wait(callback: () => void): void;
  /** A value went out. */
  sent(): void;
  close(): void;
}

/** @internal Runs `source` into `subscriber` at the pace `writability` allows. Returns the teardown. */
export function pump<T>(source: ObservableInput<T>, writability: Writability, subscriber: Subscriber<T>): () => void {
  const emit = (value: T): void => {
    subscriber.next(value);
    writability.sent();
  };
  const s = (source ?? {}) as unknown as Record<PropertyKey, unknown>;
  // Observables and promises push: they are subscribed at once and what comes too early is held.
  if (isObservable(source) || typeof s[symbolObservable] === 'function' || typeof s.then === 'function') return push(source, writability, subscriber, emit);
  let iterator: Iterator<T> | AsyncIterator<T> | undefined;
  if (typeof s[Symbol.asyncIterator] === 'function') {
    iterator = (source as AsyncIterable<T>)[Symbol.asyncIterator]();
  } else if (typeof s.getReader === 'function') {
    const reader = (source as unknown as ReadableStream<T>).getReader();
    // (return()'s result is only awaited for its failure, see pull())
    iterator = { next: () => reader.read() as Promise<IteratorResult<T>>, return: () => reader.cancel() as Promise<never> };
  } else if (typeof s[Symbol.iterator] === 'function') {
    iterator = (source as Iterable<T>)[Symbol.iterator]();
  } else if (typeof s.length === 'number') {
    // An array-like without an iterator: the array iterator works on any array-like.
    iterator = Array.prototype.values.call(source as ArrayLike<T>);
  }
  // Anything else goes to `from()`, which throws the error rxjs users know.
  return iterator === undefined ? push(source, writability, subscriber, emit) : pull(iterator, writability, subscriber, emit);
}

/** An Observable (or promise): subscribed at once; values that arrive while not writable are held in order. */
function push<T>(source: ObservableInput<T>, writability: Writability, subscriber: Subscriber<T>, emit: (value: T) => void): () => void {
  const held = new FifoQueue<T>();
  let ended = false;
  let stopped = false;
  const release = (): void => {
    while (!stopped && held.length > 0) {
      if (!writability.canWrite()) return writability.wait(release);
      emit(held.shift()!);
    }
    if (!stopped && ended) subscriber.complete();
  };
  let subscription: Subscription | undefined;
  try {
    subscription = from(source).subscribe({
      next: (value) => {
        if (held.length === 0 && writability.canWrite()) return emit(value);
        held.push(value);
        if (held.length === 1) writability.wait(release);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        ended = true;
        if (held.length === 0) subscriber.complete();
      },
    });
  } catch (error) {
    subscriber.error(error);
  }
  return () => {
    stopped = true;
    held.clear();
    subscription?.unsubscribe();
  };
}

/**
 * An iterator, sync or async: `next()` is called only when writable, one call at a time, so
 * nothing is read ahead. A sync iterator is read in a loop; an async one's value is held until
 * writable (the socket may have filled while it was on its way).
 */
function pull<T>(iterator: Iterator<T> | AsyncIterator<T>, writability: Writability, subscriber: Subscriber<T>, emit: (value: T) => void): () => void {
  let stopped = false;
  let finished = false;
  let busy = false;
  let held: IteratorResult<T> | undefined;
  const step = (): void => {
    while (!stopped && !busy) {
      // An async result that came while not writable (or the end: that needs no wait).
      const result = held;
      if (result !== undefined) {
        if (!result.done && !writability.canWrite()) return writability.wait(step);
        held = undefined;
        if (result.done) {
          finished = true;
          return subscriber.complete();
        }
        emit(result.value);
        continue;
      }
      if (!writability.canWrite()) return writability.wait(step);
      let next: IteratorResult<T> | PromiseLike<IteratorResult<T>>;
      try {
        next = iterator.next();
      } catch (error) {
        finished = true;
        return subscriber.error(error);
      }
      if (typeof (next as Partial<PromiseLike<unknown>>).then === 'function') {
        busy = true;
        (next as PromiseLike<IteratorResult<T>>).then(
          (value) => {
            busy = false;
            held = value;
            step();
          },
          (error: unknown) => {
            busy = false;
            finished = true;
            if (!stopped) subscriber.error(error);
          },
        );
        return;
      }
      // A sync iterator's result, used at once (kept out of `held`, so it need not be allocated).
      const sync = next as IteratorResult<T>;
      if (sync.done) {
        finished = true;
        return subscriber.complete();
      }
      emit(sync.value);
    }
  };
  step();
  return () => {
    stopped = true;
    if (finished) return;
    finished = true;
    // `return()`, as `for…of` and `for await` do. A failure while stopping, thrown or rejected,
    // is dropped: nobody is listening any more.
    try {
      Promise.resolve(iterator.return?.()).catch(() => undefined);
    } catch {
      // (see above)
    }
  };
}
