// Send-side backpressure: the gate of a WebSocketSubject (watermarks on the socket's
// `bufferedAmount`, the writable flag, `writable$` / `bufferedAmount$`) and the wake-up source it
// shares with the `gate()` operator. Browser-safe: no `ws` and no Node built-ins.
import { BehaviorSubject, distinctUntilChanged, Observable } from 'rxjs';
import { getNodeControls } from '../websocket/controls.js';
import type { WebSocketLike } from './socket-like.js';

/** The `backpressure` option of `webSocket()`: the send gate's watermarks, in bytes of `bufferedAmount`. */
export interface BackpressureConfig {
  /**
   * Above this many bytes of `bufferedAmount`, `next()` queues instead of writing (and
   * `writable$` is false). Default {@link DEFAULT_HIGH_WATER_MARK} (1 MiB). `Infinity` never gates.
   */
  highWaterMark?: number;
  /**
   * Once `bufferedAmount` has fallen to this many bytes or fewer, writing resumes. At most
   * `highWaterMark`. Default {@link DEFAULT_LOW_WATER_MARK} (256 KiB), or `highWaterMark` if that is lower.
   */
  lowWaterMark?: number;
  /**
   * Where the socket has no write-completion event (browsers, undici, `ws`'s own class): how
   * often `bufferedAmount` is read while gated, in ms. Default {@link DEFAULT_POLL_INTERVAL} (10).
   */
  pollInterval?: number;
}

/** The default high-water mark of the send gate: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** The default low-water mark of the send gate: 256 KiB. */
export const DEFAULT_LOW_WATER_MARK = 256 * 1024;
/** The default poll interval where there is no drain event: 10 ms. */
export const DEFAULT_POLL_INTERVAL = 10;

/** @internal Checked watermarks. */
export interface WaterMarks {
  readonly high: number;
  readonly low: number;
  readonly poll: number;
}

/** @internal The default watermarks. */
export const DEFAULT_WATER_MARKS: WaterMarks = { high: DEFAULT_HIGH_WATER_MARK, low: DEFAULT_LOW_WATER_MARK, poll: DEFAULT_POLL_INTERVAL };

/**
 * @internal Checks a {@link BackpressureConfig} (`false`: no gating) and fills in the defaults.
 * @throws TypeError naming the bad option, prefixed with `where`.
 */
export function normalizeWaterMarks(value: unknown, where: string, name = 'backpressure'): WaterMarks {
  const fail = (message: string): never => {
    throw new TypeError(`${where}: ${message}`);
  };
  if (value === undefined) return DEFAULT_WATER_MARKS;
  if (value === false) return { high: Infinity, low: Infinity, poll: DEFAULT_POLL_INTERVAL };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`'${name}' must be an object { highWaterMark?, lowWaterMark?, pollInterval? } or false, not ${describe(value)}.`);
  }
  const { highWaterMark, lowWaterMark, pollInterval, ...rest } = value as BackpressureConfig;
  const extra = Object.keys(rest);
  if (extra.length > 0) fail(`unknown ${name} option '${extra[0]}'.`);
  const check = (v: unknown, key: string, allowInfinity: boolean): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowInfinity && !Number.isFinite(v))) {
      fail(`'${name}.${key}' must be a number >= 0${allowInfinity ? ' (or Infinity)' : ''}, not ${describe(v)}.`);
    }
    return v as number;
  };
  const high = check(highWaterMark, 'highWaterMark', true) ?? DEFAULT_HIGH_WATER_MARK;
  let low = check(lowWaterMark, 'lowWaterMark', true);
  if (low === undefined) low = Math.min(DEFAULT_LOW_WATER_MARK, high);
  else if (low > high) fail(`'${name}.lowWaterMark' (${low}) must not exceed 'highWaterMark' (${high}).`);
  const poll = check(pollInterval, 'pollInterval', false) ?? DEFAULT_POLL_INTERVAL;
  if (poll === 0) fail(`'${name}.pollInterval' must be more than 0 ms.`);
  return { high, low, poll };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * @internal Calls `listener` whenever a socket's `bufferedAmount` may have fallen, while armed.
 * rxws's Node `WebSocket`: on each write completion (`getNodeControls(socket).onWritten`), no
 * timer. Any other socket (browsers have no drain event): a `setTimeout` poll every `poll` ms,
 * only while armed.
 */
export class DrainWaker {
  readonly #listener: () => void;
  readonly #poll: number;
  #socket: WebSocketLike | null = null;
  #off: (() => void) | undefined = undefined;
  #timer: Timer | undefined = undefined;
  readonly #tick = (): void => {
    this.#timer = undefined;
    if (this.#socket === null) return;
    this.#schedule();
    this.#listener();
  };

  constructor(listener: () => void, poll: number) {
    this.#listener = listener;
    this.#poll = poll;
  }

  /** Whether it is armed. */
  get armed(): boolean {
    return this.#socket !== null;
  }

  /** Whether it is polling (armed on a socket without write-completion events). */
  get polling(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts waking on `socket` (a no-op if already armed on it). */
  arm(socket: WebSocketLike): void {
    if (this.#socket === socket) return;
    this.disarm();
    this.#socket = socket;
    const controls = getNodeControls(socket);
    if (controls !== undefined) this.#off = controls.onWritten(this.#listener);
    else this.#schedule();
  }

  /** Stops waking (removes the listener, clears the timer). */
  disarm(): void {
    this.#socket = null;
    this.#off?.();
    this.#off = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const timer = setTimeout(this.#tick, this.#poll);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}

/** @internal What a {@link SendGate} needs from the subject's engine. */
export interface GateHost {
  /** The socket `next()` writes to (the connection is open and ready), or null. */
  readonly openSocket: WebSocketLike | null;
  /** The current connection, if any (its socket may still be connecting). */
  readonly current: { readonly socket: WebSocketLike | undefined } | undefined;
  /** How many messages wait in the outbound queue. */
  readonly queued: number;
  /** True while the gate holds `next()` (set by the gate). */
  gated: boolean;
  /** The gate reopened: flush the queue, then finish a close that waited for it. */
  gateOpened(): void;
}

/**
 * @internal The send gate of one subject. It closes when a write leaves the socket's
 * `bufferedAmount` above the high-water mark (`next()` then queues) and reopens once it has
 * fallen to the low-water mark (the queue is flushed in order). It also runs `writable$`,
 * `bufferedAmount$`, and tells producers (the `gate()` operator, `sendAll()`, `toWritable()`)
 * when writing directly is possible again.
 */
export class SendGate {
  readonly marks: WaterMarks;
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

  constructor(host: GateHost, marks: WaterMarks) {
    this.#host = host;
    this.marks = marks;
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

/**
 * @internal A pacer with its own watermarks over someone else's socket (a raw WebSocket given to
 * `gate()`, or a subject given to `gate()` with its own options): `check()` after each value
 * closes it when `bufferedAmount` is above `high`; it reopens at `low`.
 */
export class Pacer {
  readonly marks: WaterMarks;
  blocked = false;
  readonly #waker: DrainWaker;
  readonly #onOpen: () => void;
  #socket: WebSocketLike | null = null;

  constructor(marks: WaterMarks, onOpen: () => void) {
    this.marks = marks;
    this.#onOpen = onOpen;
    this.#waker = new DrainWaker(() => this.#wake(), marks.poll);
  }

  get polling(): boolean {
    return this.#waker.polling;
  }

  /** After a value went out on `socket`: close if above the high-water mark. */
  check(socket: WebSocketLike | null): void {
    if (socket === null || this.blocked || !(socket.bufferedAmount > this.marks.high)) return;
    this.blocked = true;
    this.#socket = socket;
    this.#waker.arm(socket);
  }

  /** Opens and stops watching (the socket went away). */
  reset(): void {
    this.blocked = false;
    this.#socket = null;
    this.#waker.disarm();
  }

  #wake(): void {
    const socket = this.#socket;
    if (socket === null || socket.bufferedAmount > this.marks.low) return;
    this.reset();
    this.#onOpen();
  }
}

/** @internal The key of a subject's {@link SendGate}. */
export const kSendGate: unique symbol = Symbol.for('rxws.sendGate') as never;

/** @internal A value that has a send gate (a `WebSocketSubject`). */
export interface HasSendGate {
  readonly [kSendGate]: SendGate;
  next(value: never): void;
  subscribe(observer: { next?: (value: never) => void; error?: (error: unknown) => void; complete?: () => void }): { unsubscribe(): void; readonly closed: boolean };
  readonly close$: Observable<{ readonly code: number; readonly reason: string; readonly wasClean: boolean }>;
  close(code?: number, reason?: string): void;
  complete(): void;
}

/** @internal Whether `value` is a subject with a send gate. */
export function hasSendGate(value: unknown): value is HasSendGate {
  return value !== null && typeof value === 'object' && (value as Partial<HasSendGate>)[kSendGate] instanceof SendGate;
}
