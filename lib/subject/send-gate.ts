// Send-side backpressure for a subject, bundled only when imported: the `backpressure()` option,
// the gate itself (watermarks on the socket's `bufferedAmount`: `next()` queues while it is high),
// `writableOf()` / `bufferedAmountOf()`, and the wake-ups it shares with `gate()` and `sendAll()`.
import { BehaviorSubject, distinctUntilChanged, Observable } from 'rxjs';
import { DrainWaker } from '../flow/drain-waker.js';
import { DEFAULT_WATER_MARKS, normalizeWaterMarks, type BackpressureConfig, type WaterMarks } from '../flow/water-marks.js';
import type { WebSocketLike } from '../websocket/socket-like.js';
import { kFeature, type BackpressureOption, type EngineGate, type GateHost } from './features.js';
import { engineOf, requireEngine } from './engine-host.js';

/**
 * A send gate for `webSocket()`'s `backpressure` option: while the socket's `bufferedAmount` is
 * above `highWaterMark` bytes, `next()` queues (in the subject's bounded queue); writing resumes,
 * in order, once it has fallen to `lowWaterMark`. Defaults: 1 MiB and 256 KiB. A subject without
 * it writes at once (as `rxjs/webSocket` does); `gate()`, `sendAll()`, `writableOf()`,
 * `bufferedAmountOf()` and rxws/node's streams give it a gate with the defaults when they first
 * use it.
 *
 * @throws TypeError for a bad option.
 *
 * @example
 * import { webSocket, backpressure } from 'rxws';
 *
 * const upload$ = webSocket<Chunk>({ url, backpressure: backpressure({ highWaterMark: 4 << 20 }) });
 */
export function backpressure(options: BackpressureConfig = {}): BackpressureOption {
  const marks = normalizeWaterMarks(options, 'backpressure()');
  return { [kFeature]: 'backpressure', create: (host) => new SendGate(host, marks, true) };
}

/**
 * @internal The send gate of one subject. It closes when a write leaves the socket's
 * `bufferedAmount` above the high-water mark (`next()` then queues) and reopens once it has
 * fallen to the low-water mark (the queue is flushed in order). It also runs `writable$`,
 * `bufferedAmount$`, and tells producers (the `gate()` operator, `sendAll()`, `toWritable()`)
 * when writing directly is possible again.
 */
export class SendGate implements EngineGate {
  readonly marks: WaterMarks;
  /** Whether the subject's `backpressure` option made it (`backpressure()`, or `false`: never close); else it only observes. */
  readonly configured: boolean;
  readonly #host: GateHost;
  /** The socket being watched: the ready connection's. */
  #socket: WebSocketLike | null;
  // Made when first armed: a connection that is never gated nor monitored costs no waker.
  #drainWaker: DrainWaker | undefined = undefined;
  #writable: BehaviorSubject<boolean> | undefined = undefined;
  #writable$: Observable<boolean> | undefined = undefined;
  #buffered: BehaviorSubject<number> | undefined = undefined;
  #buffered$: Observable<number> | undefined = undefined;
  #monitors = 0;
  #waiters: Set<() => void> | undefined = undefined;

  constructor(host: GateHost, marks: WaterMarks, configured: boolean) {
    this.#host = host;
    this.marks = marks;
    this.configured = configured;
    // Made on first use, perhaps while a connection is ready already.
    this.#socket = host.openSocket;
  }

  get #waker(): DrainWaker {
    return (this.#drainWaker ??= new DrainWaker(() => this.#wake(), this.marks.poll));
  }

  /** Whether `next()` would write at once now: a ready connection, not gated, nothing queued. */
  get canWrite(): boolean {
    const host = this.#host;
    const socket = host.openSocket;
    return socket !== null && !host.gated && host.queued === 0 && socket.readyState === 1;
  }

  /** The ready connection's socket, or null. */
  get socket(): WebSocketLike | null {
    return this.#host.openSocket;
  }

  /** The current connection's socket (possibly still connecting), for inbound flow control. */
  get currentSocket(): WebSocketLike | undefined {
    return this.#host.current?.socket;
  }

  /** Whether the poll timer runs (for tests of the browser path). */
  get polling(): boolean {
    return this.#drainWaker?.polling ?? false;
  }

  get writable$(): Observable<boolean> {
    return (this.#writable$ ??= (this.#writable = new BehaviorSubject<boolean>(!this.#host.gated)).pipe(distinctUntilChanged()));
  }

  get bufferedAmount$(): Observable<number> {
    return (this.#buffered$ ??= new Observable<number>((subscriber) => {
      const subject = (this.#buffered ??= new BehaviorSubject<number>(this.#read()));
      subject.next(this.#read());
      this.#monitors++;
      this.#arm();
      const inner = subject.pipe(distinctUntilChanged()).subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        if (--this.#monitors === 0 && !this.#host.gated) this.#drainWaker?.disarm();
      };
    }));
  }

  /** A write went out on `socket`: above the high-water mark, hold `next()` until it falls. */
  written(socket: WebSocketLike): void {
    if (socket.bufferedAmount > this.marks.high) this.block(socket);
  }

  /** A connection became ready on `socket`. */
  attach(socket: WebSocketLike): void {
    this.#socket = socket;
    this.#arm();
    this.#sample();
  }

  /** A write left `bufferedAmount` above the high-water mark: hold `next()` until it falls. */
  block(socket: WebSocketLike): void {
    const host = this.#host;
    if (host.gated) return;
    host.gated = true;
    this.#socket = socket;
    this.#writable?.next(false);
    this.#waker.arm(socket);
    this.#sample();
  }

  /** The ready connection ends (closing or closed): the gate resets for the next one. */
  detach(): void {
    this.#socket = null;
    this.#drainWaker?.disarm();
    const host = this.#host;
    if (host.gated) {
      host.gated = false;
      this.#writable?.next(true);
    }
    this.#buffered?.next(0);
  }

  /** Tells waiting producers that writing is possible, if it is. */
  notify(): void {
    const waiters = this.#waiters;
    if (waiters === undefined || waiters.size === 0 || !this.canWrite) return;
    for (const waiter of [...waiters]) {
      if (!this.canWrite) return;
      if (waiters.delete(waiter)) waiter();
    }
  }

  /** Calls `callback` once, when {@link canWrite} next becomes true. Returns a cancel function. */
  whenWritable(callback: () => void): () => void {
    const waiters = (this.#waiters ??= new Set());
    const entry = (): void => callback();
    waiters.add(entry);
    return () => void waiters.delete(entry);
  }

  #read(): number {
    return this.#socket?.bufferedAmount ?? this.#host.openSocket?.bufferedAmount ?? 0;
  }

  #sample(): void {
    this.#buffered?.next(this.#read());
  }

  #arm(): void {
    const socket = this.#socket;
    if (socket !== null && (this.#monitors > 0 || this.#host.gated)) this.#waker.arm(socket);
  }

  #wake(): void {
    const socket = this.#socket;
    if (socket === null) return;
    const amount = socket.bufferedAmount;
    this.#buffered?.next(amount);
    const host = this.#host;
    if (host.gated && amount <= this.marks.low) {
      host.gated = false;
      if (this.#monitors === 0) this.#drainWaker?.disarm();
      this.#writable?.next(true);
      host.gateOpened();
      this.notify();
    }
  }
}

/** @internal The send gate of a subject's engine, made with `marks` (default watermarks) if it has none. */
export function gateOf(host: GateHost): SendGate {
  return (host.gate ??= new SendGate(host, NO_GATING, host.config.backpressure === false)) as SendGate;
}

/**
 * The marks of a gate that never closes: a subject with `backpressure: false`, or without the
 * option, whose gate `writableOf()`, `bufferedAmountOf()`, `gate()`, `sendAll()` or rxws/node's
 * streams made only to watch its sockets (`next()` is never held back by it).
 */
const NO_GATING: WaterMarks = { high: Infinity, low: Infinity, poll: DEFAULT_WATER_MARKS.poll };

/** A `WebSocketSubject` as the producers over its send gate (`gate()`, `sendAll()`, rxws/node's streams) use it. */
export interface HasSendGate {
  next(value: never): void;
  subscribe(observer: { next?: (value: never) => void; error?: (error: unknown) => void; complete?: () => void }): { unsubscribe(): void; readonly closed: boolean };
  readonly close$: Observable<{ readonly code: number; readonly reason: string; readonly wasClean: boolean }>;
  close(code?: number, reason?: string): void;
  complete(): void;
}

/** @internal Whether `value` is a `WebSocketSubject` (of either build), which has a send gate. */
export function hasSendGate(value: unknown): value is HasSendGate {
  return engineOf(value) !== undefined;
}

/**
 * @internal The send gate of `subject`: the one its `backpressure` option made, or one with the
 * default watermarks (made now).
 */
export function sendGateOf(subject: unknown, where = 'sendGateOf()'): SendGate {
  return gateOf(requireEngine(subject, where));
}

/**
 * Whether `subject.next()` writes at once (true) or queues behind the send gate (false): replays
 * the current value, then every change. False while the socket's `bufferedAmount` is above the
 * high-water mark and has not yet fallen to the low one; true otherwise, and again after a
 * reconnection. Passive. Gives the subject a send gate with the default watermarks if it has none.
 *
 * @example
 * writableOf(upload$).subscribe((writable) => progress.classList.toggle('stalled', !writable));
 */
export function writableOf(subject: unknown): Observable<boolean> {
  return sendGateOf(subject, 'writableOf()').writable$;
}

/**
 * The live socket's `bufferedAmount`: the current value at once, then its changes, read when
 * writes complete (rxws's Node socket) or on a poll while subscribed (other sockets); 0 between
 * connections. Passive. Gives the subject a send gate with the default watermarks if it has none.
 *
 * @example
 * bufferedAmountOf(upload$).subscribe((bytes) => (meter.value = bytes));
 */
export function bufferedAmountOf(subject: unknown): Observable<number> {
  return sendGateOf(subject, 'bufferedAmountOf()').bufferedAmount$;
}
