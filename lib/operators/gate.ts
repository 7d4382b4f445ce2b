// The `gate()` operator and `sendAll()`: a source paced by a socket's send gate, so a producer
// runs no faster than the network takes its output. Browser-safe.
import { from, isObservable, Observable, observable as symbolObservable, Subscription, type ObservableInput, type Subscriber } from 'rxjs';
import { DrainWaker } from '../flow/drain-waker.js';
import { Pacer } from '../flow/pacer.js';
import { DEFAULT_WATER_MARKS, normalizeWaterMarks, type BackpressureConfig, type WaterMarks } from '../flow/water-marks.js';
import { hasSendGate, sendGateOf, type HasSendGate } from '../subject/send-gate.js';
import { WebSocketCloseError } from '../subject/close-error.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import { FifoQueue } from '../websocket/fifo-queue.js';

/**
 * What `gate()`, `sendAll()` and rxws/node's stream adapters pace against: a
 * {@link WebSocketSubject} (its send gate and its connections), or a WebSocket of its own (rxws's,
 * a browser's, undici's, `ws`'s: anything with `readyState`, `bufferedAmount` and `send()`).
 */
export type GateTarget = WebSocketSubject<never, unknown> | WebSocketLike;

/**
 * Options of `gate()` / `sendAll()`: watermarks on the socket's `bufferedAmount`, in bytes, for
 * this producer alone. For a subject they default to (and act on top of) the subject's own
 * `backpressure` watermarks; for a bare WebSocket to 1 MiB / 256 KiB.
 */
export type GateOptions = BackpressureConfig;

/** The operator `gate()` returns: it also takes an iterable, async iterable or Node `Readable` directly, and then pulls it. */
export type GateOperator<T> = (source: ObservableInput<T>) => Observable<T>;

/** The parts of a close event read here. */
interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** @internal When a paced producer may emit, and a way to be told. */
interface Writability {
  canWrite(): boolean;
  /** Calls `callback` once writing is possible (replaces an earlier wait). */
  wait(callback: () => void): void;
  /** A value went out. */
  sent(): void;
  /** The socket values go to now, if any. */
  socket(): WebSocketLike | null;
  close(): void;
}

/**
 * A pipeable operator that lets each value through only while `socket` is writable: its
 * connection is open (and ready) and its send gate is open (`bufferedAmount` not above the
 * high-water mark since it last fell to the low one). Subscribe with something that sends each
 * value at once (`subscribe((v) => ws$.next(v))`, or use {@link sendAll}).
 *
 * - **Pull sources** are pulled no faster than the network takes them: give an iterable, an
 *   async iterable (an async generator, a Node `Readable`) or a `ReadableStream` directly —
 *   `gate(ws$)(readable)` — and the next value is read only once the previous one has gone out
 *   and the socket is writable. Nothing is read ahead.
 * - **Observables** cannot be paused (RxJS pushes): `from(x).pipe(gate(ws$))` holds the values
 *   that arrive while the socket is not writable, in order, and lets them through when it is.
 *   A synchronous `from(array)` is held as references (the array is in memory anyway); for a lazy
 *   producer give the producer itself, not `from(producer)`.
 * - A subject: waits across reconnections (values wait for the next connection). A bare
 *   WebSocket: waits for `open` while CONNECTING; its closing errors the stream with a
 *   {@link WebSocketCloseError}.
 * - The source completing completes the stream once every held value is through; an error is
 *   passed on at once. Unsubscribing stops the source (`return()` on an iterator, so a
 *   `Readable` is destroyed).
 *
 * @param socket a `WebSocketSubject` or a WebSocket.
 * @param options per-producer watermarks (see {@link GateOptions}).
 * @throws TypeError for a bad `socket` or options.
 *
 * @example
 * from(rows).pipe(map(encode), gate(ws$)).subscribe((row) => ws$.next(row));
 * gate(ws$)(createReadStream('big.ndjson')).subscribe((chunk) => ws$.next(chunk));
 */
export function gate<T>(socket: GateTarget, options?: GateOptions): GateOperator<T> {
  const target = checkTarget(socket, 'gate()');
  const marks = options === undefined ? undefined : normalizeWaterMarks(options, 'gate()', 'options');
  return (source: ObservableInput<T>) =>
    new Observable<T>((subscriber) => {
      const writability = writabilityOf(target, marks, (error) => subscriber.error(error));
      if (subscriber.closed) return writability.close;
      const stop = pump(source, writability, subscriber);
      return () => {
        stop();
        writability.close();
      };
    });
}

/**
 * Sends every value of `source` through `socket`'s gate (see {@link gate}: pulled no faster
 * than the network takes it), and tells when all of it has been **written**: every value was
 * handed to the socket (`send()`) and the socket's `bufferedAmount` has since fallen to 0, i.e.
 * the bytes have left the process (Node: handed to the kernel; browsers: on the wire). It then
 * emits the number of messages sent and completes. That is not a delivery receipt.
 *
 * - A subject: the values go through `next()` (its serializer). While sending, it holds a
 *   subscription to the subject, so a connection is opened (or kept) for it; released at the
 *   end (if it was the last, the connection then closes with 1000). If the connection closes
 *   before everything is written, it errors with a {@link WebSocketCloseError}.
 * - A WebSocket: the values go to `send()` as they are; it waits for open; a close errors.
 * - Unsubscribing stops pulling the source.
 *
 * @example
 * await lastValueFrom(sendAll(ws$, createReadStream('dump.bin'))); // (subject with an identity serializer)
 */
export function sendAll<T>(socket: GateTarget, source: ObservableInput<T>, options?: GateOptions): Observable<number> {
  const target = checkTarget(socket, 'sendAll()');
  const paced = gate<T>(socket, options);
  const poll = (options === undefined ? undefined : normalizeWaterMarks(options, 'sendAll()', 'options'))?.poll ?? pollOf(target);
  return new Observable<number>((subscriber) => {
    let done = false;
    let count = 0;
    let waker: DrainWaker | undefined;
    const subscriptions = new Subscription();
    const closedEarly = (event: { code: number; reason: string; wasClean: boolean }): void => {
      if (done) return;
      subscriber.error(
        new WebSocketCloseError({
          code: event.code,
          reason: event.reason,
          wasClean: event.wasClean,
          message: `The WebSocket closed (code ${event.code}) before sendAll() had written everything (${count} messages sent).`,
        }),
      );
    };
    let send: (value: T) => void;
    let socketOf: () => WebSocketLike | null;
    if (hasSendGate(target)) {
      const gateOf = sendGateOf(target);
      subscriptions.add(target.close$.subscribe(closedEarly));
      subscriptions.add(target.subscribe({ error: (error) => subscriber.error(error) }));
      send = (value) => target.next(value as never);
      socketOf = () => gateOf.socket;
    } else {
      const onClose = (event: Event): void => closedEarly(event as unknown as CloseInfo);
      target.addEventListener!('close', onClose);
      subscriptions.add(() => target.removeEventListener!('close', onClose));
      send = (value) => target.send(value as WebSocketMessage);
      socketOf = () => target;
    }
    if (subscriber.closed) return subscriptions;
    subscriptions.add(
      paced(source).subscribe({
        next: (value) => {
          try {
            send(value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          count++;
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          const written = socketOf();
          const check = (): void => {
            if (done || (written !== null && written.bufferedAmount > 0)) return;
            done = true;
            waker?.disarm();
            subscriber.next(count);
            subscriber.complete();
          };
          check();
          if (!done && written !== null) (waker = new DrainWaker(check, poll)).arm(written);
        },
      }),
    );
    return () => {
      waker?.disarm();
      subscriptions.unsubscribe();
    };
  });
}

function checkTarget(socket: unknown, where: string): HasSendGate | WebSocketLike {
  if (hasSendGate(socket)) return socket;
  if (
    socket !== null &&
    typeof socket === 'object' &&
    typeof (socket as WebSocketLike).send === 'function' &&
    typeof (socket as WebSocketLike).readyState === 'number' &&
    typeof (socket as WebSocketLike).addEventListener === 'function'
  ) {
    return socket as WebSocketLike;
  }
  throw new TypeError(`${where}: expected a WebSocketSubject or a WebSocket, not ${socket === null ? 'null' : typeof socket}.`);
}

function pollOf(target: HasSendGate | WebSocketLike): number {
  return hasSendGate(target) ? sendGateOf(target).marks.poll : DEFAULT_WATER_MARKS.poll;
}

/** How a paced producer on `target` learns it may emit. */
function writabilityOf(target: HasSendGate | WebSocketLike, marks: WaterMarks | undefined, fail: (error: unknown) => void): Writability {
  let pending: (() => void) | undefined;
  let cancel: (() => void) | undefined;
  const recheck = (): void => {
    cancel = undefined;
    const callback = pending;
    if (callback === undefined) return;
    if (writability.canWrite()) {
      pending = undefined;
      callback();
    } else {
      arm();
    }
  };
  let arm: () => void;
  let writability: Writability;

  if (hasSendGate(target)) {
    const sendGate = sendGateOf(target);
    // Without watermarks of its own, a producer paces by the subject's `backpressure` option, or,
    // where the subject has none (its gate never closes), by the default watermarks on its own.
    const own = marks ?? (sendGate.configured ? undefined : DEFAULT_WATER_MARKS);
    const pacer = own === undefined ? undefined : new Pacer(own, recheck);
    let paced: WebSocketLike | null = null;
    arm = () => {
      // The subject's gate tells of a new connection too (a pacer on a dead socket is reset then).
      cancel ??= sendGate.whenWritable(recheck);
    };
    writability = {
      canWrite: () => {
        if (pacer?.blocked && paced !== sendGate.socket) pacer.reset();
        return sendGate.canWrite && !(pacer?.blocked ?? false);
      },
      wait: (callback) => {
        pending = callback;
        arm();
      },
      sent: () => {
        if (pacer === undefined) return;
        paced = sendGate.socket;
        pacer.check(paced);
      },
      socket: () => sendGate.socket,
      close: () => {
        pending = undefined;
        cancel?.();
        cancel = undefined;
        pacer?.reset();
      },
    };
    return writability;
  }

  const socket = target;
  const pacer = new Pacer(marks ?? DEFAULT_WATER_MARKS, recheck);
  const onOpen = (): void => recheck();
  const onClose = (event: Event): void => {
    const e = event as unknown as CloseInfo;
    fail(new WebSocketCloseError({ code: e.code, reason: e.reason, wasClean: e.wasClean, message: `The WebSocket closed (code ${e.code}) while a gated source was still sending.` }));
  };
  socket.addEventListener!('close', onClose);
  arm = () => {
    if (socket.readyState === 0 && cancel === undefined) {
      socket.addEventListener!('open', onOpen);
      cancel = () => socket.removeEventListener!('open', onOpen);
    }
    // blocked: the pacer's wake-up calls recheck.
  };
  writability = {
    canWrite: () => socket.readyState === 1 && !pacer.blocked,
    wait: (callback) => {
      pending = callback;
      arm();
    },
    sent: () => pacer.check(socket),
    socket: () => socket,
    close: () => {
      pending = undefined;
      cancel?.();
      cancel = undefined;
      pacer.reset();
      socket.removeEventListener!('close', onClose);
    },
  };
  if (socket.readyState === 3) {
    fail(new WebSocketCloseError({ code: 1006, message: 'gate(): the WebSocket is already closed.' }));
  }
  return writability;
}

/** Runs `source` into `subscriber` at the pace `writability` allows. Returns the teardown. */
function pump<T>(source: ObservableInput<T>, writability: Writability, subscriber: Subscriber<T>): () => void {
  const emit = (value: T): void => {
    subscriber.next(value);
    writability.sent();
  };
  if (source === null || source === undefined) return pushFrom(source, writability, subscriber, emit);
  const s = source as unknown as Record<PropertyKey, unknown>;
  if (isObservable(source) || typeof s[symbolObservable] === 'function' || typeof s.then === 'function') {
    return pushFrom(source, writability, subscriber, emit);
  }
  if (typeof s[Symbol.asyncIterator] === 'function') {
    return pullAsync((source as AsyncIterable<T>)[Symbol.asyncIterator](), writability, subscriber, emit);
  }
  if (typeof s.getReader === 'function') {
    const reader = (source as unknown as ReadableStream<T>).getReader();
    const iterator: AsyncIterator<T> = {
      next: () => reader.read() as Promise<IteratorResult<T>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
    return pullAsync(iterator, writability, subscriber, emit);
  }
  if (typeof s[Symbol.iterator] === 'function') {
    return pullSync((source as Iterable<T>)[Symbol.iterator](), writability, subscriber, emit);
  }
  if (typeof s.length === 'number') {
    const list = source as ArrayLike<T>;
    let i = 0;
    const iterator: Iterator<T> = { next: () => (i < list.length ? { done: false, value: list[i++]! } : { done: true, value: undefined }) };
    return pullSync(iterator, writability, subscriber, emit);
  }
  return pushFrom(source, writability, subscriber, emit);
}

/** An Observable (or promise): subscribed at once; values that arrive while not writable are held in order. */
function pushFrom<T>(source: ObservableInput<T>, writability: Writability, subscriber: Subscriber<T>, emit: (value: T) => void): () => void {
  const held = new FifoQueue<T>();
  let ended = false;
  let stopped = false;
  const release = (): void => {
    while (!stopped && held.length > 0) {
      if (!writability.canWrite()) {
        writability.wait(release);
        return;
      }
      emit(held.shift()!);
    }
    if (!stopped && ended) subscriber.complete();
  };
  let subscription: Subscription | undefined;
  try {
    subscription = from(source).subscribe({
      next: (value) => {
        if (held.length === 0 && writability.canWrite()) {
          emit(value);
          return;
        }
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

/** An iterator: the next value is taken only when writable. */
function pullSync<T>(iterator: Iterator<T>, writability: Writability, subscriber: Subscriber<T>, emit: (value: T) => void): () => void {
  let stopped = false;
  let finished = false;
  const step = (): void => {
    while (!stopped) {
      if (!writability.canWrite()) {
        writability.wait(step);
        return;
      }
      let result: IteratorResult<T>;
      try {
        result = iterator.next();
      } catch (error) {
        finished = true;
        subscriber.error(error);
        return;
      }
      if (result.done) {
        finished = true;
        subscriber.complete();
        return;
      }
      emit(result.value);
    }
  };
  step();
  return () => {
    stopped = true;
    if (finished) return;
    finished = true;
    closeIterator(iterator);
  };
}

/**
 * Ends an iterator the subscriber left early (`return()`, as `for…of` and `for await` do). A
 * failure while stopping, thrown or rejected, is dropped: nobody is listening any more.
 */
function closeIterator(iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
  try {
    const result: unknown = iterator.return?.();
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') Promise.resolve(result).catch(() => undefined);
  } catch {
    // (see above)
  }
}

/** An async iterator: `next()` is called only when writable, one at a time. */
function pullAsync<T>(iterator: AsyncIterator<T>, writability: Writability, subscriber: Subscriber<T>, emit: (value: T) => void): () => void {
  let stopped = false;
  let finished = false;
  let busy = false;
  let held: { value: T } | undefined;
  const step = (): void => {
    if (stopped || busy) return;
    if (held !== undefined) {
      if (!writability.canWrite()) {
        writability.wait(step);
        return;
      }
      const { value } = held;
      held = undefined;
      emit(value);
      if (stopped) return;
    }
    if (!writability.canWrite()) {
      writability.wait(step);
      return;
    }
    busy = true;
    let next: Promise<IteratorResult<T>>;
    try {
      next = Promise.resolve(iterator.next());
    } catch (error) {
      next = Promise.reject(error);
    }
    next.then(
      (result) => {
        busy = false;
        if (stopped) return;
        if (result.done) {
          finished = true;
          subscriber.complete();
          return;
        }
        held = { value: result.value };
        step();
      },
      (error: unknown) => {
        busy = false;
        finished = true;
        if (!stopped) subscriber.error(error);
      },
    );
  };
  step();
  return () => {
    stopped = true;
    if (finished) return;
    finished = true;
    closeIterator(iterator);
  };
}
