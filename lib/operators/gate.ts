// The `gate()` operator and `sendAll()`: a source paced by a socket's send gate, so a producer
// runs no faster than the network takes its output. Browser-safe.
import { Observable, Subscription, type ObservableInput } from 'rxjs';
import { fail } from '../common/options.js';
import { DrainWaker } from '../flow/drain-waker.js';
import { Pacer } from '../flow/pacer.js';
import { DEFAULT_WATER_MARKS, normalizeWaterMarks, type BackpressureConfig, type WaterMarks } from '../flow/water-marks.js';
import { gateOf, type HasSendGate } from '../subject/send-gate.js';
import { engineOf } from '../subject/engine-host.js';
import { WebSocketCloseError } from '../subject/close-error.js';
import { isListenableSocket, type WebSocketLike, type WebSocketMessage } from '../websocket/socket-like.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import { pump, type Writability } from './paced-source.js';

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
  readonly reason?: string;
  readonly wasClean?: boolean;
}

/**
 * What gate() and sendAll() pace against: a subject's send gate itself, or a bare WebSocket in
 * the same shape (its `readyState` for the gate; its own watermarks are the defaults).
 */
interface PaceTarget {
  /** Whether a value may go now, before any watermarks of the producer's own. */
  readonly canWrite: boolean;
  /** The socket values go to now, if any. */
  readonly socket: WebSocketLike | null;
  /** Calls `callback` once when writing may be possible again; returns a cancel, or undefined if nothing will tell (a pacer will). */
  whenWritable(callback: () => void): (() => void) | undefined;
  /** Whether the target paces by watermarks (a subject's `backpressure` option); if not, a producer paces by its own or the defaults. */
  readonly configured: boolean;
  readonly marks: WaterMarks;
  /** A bare WebSocket's: calls `listener` with its close event; returns the remover. */
  onClose?(listener: (event: CloseInfo) => void): () => void;
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
  return paced(targetOf(socket, 'gate()'), marksOf(options, 'gate()'));
}

function paced<T>(target: PaceTarget, marks: WaterMarks | undefined): GateOperator<T> {
  return (source: ObservableInput<T>) =>
    new Observable<T>((subscriber) => {
      const writability = writabilityOf(target, marks);
      let stopClosing: (() => void) | undefined;
      if (target.onClose !== undefined) {
        // A bare WebSocket's closing ends the stream (a subject's values wait for the next connection).
        if (target.socket!.readyState === 3) subscriber.error(closeError({ code: 1006 }, 'before gate() could send'));
        stopClosing = target.onClose((event) => subscriber.error(closeError(event, 'while gate() was sending')));
      }
      const stop = subscriber.closed ? undefined : pump(source, writability, subscriber);
      return () => {
        stop?.();
        writability.close();
        stopClosing?.();
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
  const target = targetOf(socket, 'sendAll()');
  const marks = marksOf(options, 'sendAll()');
  const values = paced<T>(target, marks)(source);
  const subject = target.onClose === undefined ? (socket as HasSendGate) : undefined;
  return new Observable<number>((subscriber) => {
    let done = false;
    let count = 0;
    let waker: DrainWaker | undefined;
    const subscriptions = new Subscription();
    const closedEarly = (event: CloseInfo): void => {
      if (!done) subscriber.error(closeError(event, `before sendAll() had written everything (${count} messages sent)`));
    };
    if (subject !== undefined) {
      subscriptions.add(subject.close$.subscribe(closedEarly));
      subscriptions.add(subject.subscribe({ error: (error) => subscriber.error(error) }));
    } else {
      subscriptions.add(target.onClose!(closedEarly));
    }
    if (subscriber.closed) return subscriptions;
    subscriptions.add(
      values.subscribe({
        next: (value) => {
          try {
            if (subject !== undefined) subject.next(value as never);
            else target.socket!.send(value as WebSocketMessage);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          count++;
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          const written = target.socket;
          const check = (): void => {
            if (done || (written !== null && written.bufferedAmount > 0)) return;
            done = true;
            waker?.disarm();
            subscriber.next(count);
            subscriber.complete();
          };
          check();
          if (!done && written !== null) (waker = new DrainWaker(check, (marks ?? target.marks).poll)).arm(written);
        },
      }),
    );
    return () => {
      waker?.disarm();
      subscriptions.unsubscribe();
    };
  });
}

function marksOf(options: GateOptions | undefined, where: string): WaterMarks | undefined {
  return options === undefined ? undefined : normalizeWaterMarks(options, where, 'options');
}

/** The error of a close that cut a producer short. */
function closeError(event: CloseInfo, when: string): WebSocketCloseError {
  return new WebSocketCloseError({ code: event.code, reason: event.reason, wasClean: event.wasClean, message: `The WebSocket closed (code ${event.code}) ${when}.` });
}

/** `socket` as a {@link PaceTarget}, or a TypeError naming `where`. */
function targetOf(socket: unknown, where: string): PaceTarget {
  const engine = engineOf(socket);
  if (engine !== undefined) return gateOf(engine);
  if (!isListenableSocket(socket)) fail(where, `expected a WebSocketSubject or a WebSocket, not ${socket === null ? 'null' : typeof socket}.`);
  return new SocketTarget(socket);
}

/**
 * A bare WebSocket as a {@link PaceTarget}: writable while OPEN, paced by the default watermarks.
 * (A class: `canWrite` is read for every value, and a prototype getter is fast where an object
 * literal's is not.)
 */
class SocketTarget implements PaceTarget {
  readonly socket: WebSocketLike;
  readonly configured = false;
  readonly marks = DEFAULT_WATER_MARKS;

  constructor(socket: WebSocketLike) {
    this.socket = socket;
  }

  get canWrite(): boolean {
    return this.socket.readyState === 1;
  }

  whenWritable(callback: () => void): (() => void) | undefined {
    // While CONNECTING, its open event tells; later only the pacer's wake-up does.
    return this.socket.readyState === 0 ? this.#listen('open', callback) : undefined;
  }

  onClose(listener: (event: CloseInfo) => void): () => void {
    return this.#listen('close', listener as unknown as (event: Event) => void);
  }

  #listen(type: string, listener: (event: Event) => void): () => void {
    const socket = this.socket;
    socket.addEventListener!(type, listener);
    return () => socket.removeEventListener!(type, listener);
  }
}

/** How a paced producer on `target` learns it may emit: the target's state and, with watermarks, a pacer of its own. */
function writabilityOf(target: PaceTarget, marks: WaterMarks | undefined): Writability {
  let pending: (() => void) | undefined;
  let cancel: (() => void) | undefined;
  const arm = (): void => {
    // The subject's gate tells of a new connection too (a pacer on a dead socket is reset then).
    cancel ??= target.whenWritable(recheck);
  };
  const recheck = (): void => {
    // Woken by the target or by the pacer: either way the target's waiter goes (else each
    // close-and-reopen of the pacer would leave one behind).
    const waiting = cancel;
    cancel = undefined;
    waiting?.();
    const callback = pending;
    if (callback === undefined) return;
    if (writability.canWrite()) {
      pending = undefined;
      callback();
    } else {
      arm();
    }
  };
  // Without watermarks of its own, a producer paces by the subject's `backpressure` option, or,
  // where the subject has none (its gate never closes) or for a bare WebSocket, by the defaults.
  const own = marks ?? (target.configured ? undefined : DEFAULT_WATER_MARKS);
  const pacer = own === undefined ? undefined : new Pacer(own, recheck);
  const writability: Writability = {
    canWrite: () => {
      if (pacer?.blocked) {
        if (pacer.socket === target.socket) return false;
        pacer.reset(); // closed on a socket that is gone: a new connection starts open
      }
      return target.canWrite;
    },
    wait: (callback) => {
      pending = callback;
      arm();
    },
    sent: () => pacer?.check(target.socket),
    close: () => {
      pending = undefined;
      cancel?.();
      cancel = undefined;
      pacer?.reset();
    },
  };
  return writability;
}
