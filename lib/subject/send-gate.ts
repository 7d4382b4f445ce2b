// Send-side backpressure for a subject, bundled only when imported: the `backpressure()` option,
// the gate itself (watermarks on the socket's `bufferedAmount`: `next()` queues while it is high),
// `writableOf()` / `bufferedAmountOf()`, and the wake-ups it shares with `gate()` and `sendAll()`.
import { BehaviorSubject, distinctUntilChanged, Observable } from 'rxjs';
import { DrainWaker } from '../flow/drain-waker.js';
import { Pacer } from '../flow/pacer.js';
import { NO_GATING, normalizeWaterMarks, type BackpressureConfig, type WaterMarks } from '../flow/water-marks.js';
import type { WebSocketLike } from '../websocket/socket-like.js';
import { kFeature, type BackpressureOption, type EngineGate, type GateHost } from './features.js';
import { engineOf, requireEngine } from './engine-host.js';
import type { WebSocketSubject } from './web-socket-subject.js';

/**
 * A send gate for `webSocket()`'s `backpressure` option: while the socket's `bufferedAmount` is
 * above `highWaterMark` bytes, `next()` queues (in the subject's bounded queue); writing resumes,
 * in order, once it has fallen to `lowWaterMark`. Defaults: 1 MiB and 256 KiB. A subject without
 * it writes at once (as `rxjs/webSocket` does); `gate()` and `sendAll()` then pace themselves by
 * the default watermarks, without holding back its `next()`.
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
 * fallen to the low-water mark (the queue is flushed in order). It tells producers (the `gate()`
 * operator, `sendAll()`, `toWritable()`) when writing directly is possible again, and
 * `writableOf()` / `bufferedAmountOf()` (their code is bundled only with them) of each change.
 */
export class SendGate implements EngineGate {
  readonly marks: WaterMarks;
  /** Whether the subject's `backpressure` option made it (`backpressure()`, or `false`: never close); else it only observes. */
  readonly configured: boolean;
  readonly host: GateHost;
  /** Closed exactly while `host.gated`: opening it flushes the queue and wakes the producers. */
  readonly #pacer: Pacer;
  /** Set by `writableOf()` / `bufferedAmountOf()`: called on every change of the gate or the connection. */
  changed: (() => void) | undefined = undefined;
  #waiters: Set<() => void> | undefined = undefined;

  constructor(host: GateHost, marks: WaterMarks, configured: boolean) {
    this.host = host;
    this.marks = marks;
    this.configured = configured;
    this.#pacer = new Pacer(marks, () => {
      host.gated = false;
      this.changed?.();
      host.gateOpened();
      this.notify();
    });
  }

  /** Whether `next()` would write at once now: a ready connection, not gated, nothing queued. */
  get canWrite(): boolean {
    const host = this.host;
    const socket = host.openSocket;
    return socket !== null && !host.gated && host.queued === 0 && socket.readyState === 1;
  }

  /** The ready connection's socket, or null (the one watched: the engine attaches and detaches it). */
  get socket(): WebSocketLike | null {
    return this.host.openSocket;
  }

  /** The current connection's socket (possibly still connecting), for inbound flow control. */
  get currentSocket(): WebSocketLike | undefined {
    return this.host.current?.socket;
  }

  /** Whether the poll timer runs (for tests of the browser path). */
  get polling(): boolean {
    return this.#pacer.polling;
  }

  /** A write went out on `socket` (the ready one): above the high-water mark, hold `next()` until it falls. */
  written(socket: WebSocketLike): void {
    if (socket.bufferedAmount > this.marks.high && !this.host.gated) {
      this.host.gated = true;
      this.#pacer.check(socket);
      this.changed?.();
    }
  }

  /** A connection became ready (`host.openSocket`). */
  attach(): void {
    this.changed?.();
  }

  /** The ready connection ends (closing or closed): the gate resets for the next one. */
  detach(): void {
    this.host.gated = false;
    this.#pacer.reset();
    this.changed?.();
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

  /** How many producers wait for {@link canWrite} (for tests: waiting must not pile up). */
  get waiting(): number {
    return this.#waiters?.size ?? 0;
  }
}

/** @internal The send gate of a subject's engine; one that never closes (it only watches) if the subject has none. */
export function gateOf(host: GateHost): SendGate {
  return (host.gate ??= new SendGate(host, NO_GATING, host.config.backpressure === false)) as SendGate;
}

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
 * @internal The send gate of `subject`: the one its `backpressure` option made, or (made now) one
 * that never closes and only watches its sockets.
 */
export function sendGateOf(subject: unknown, where = 'sendGateOf()'): SendGate {
  return gateOf(requireEngine(subject, where));
}

/** The subjects behind `writableOf()` and `bufferedAmountOf()` of one gate, made on first use. */
interface Monitor {
  readonly writable$: Observable<boolean>;
  readonly bufferedAmount$: Observable<number>;
}

const monitors = new WeakMap<SendGate, Monitor>();

function monitorOf(subject: unknown, where: string): Monitor {
  const gate = sendGateOf(subject, where);
  let monitor = monitors.get(gate);
  if (monitor === undefined) {
    const host = gate.host;
    const read = (): number => host.openSocket?.bufferedAmount ?? 0;
    const writable = new BehaviorSubject(!host.gated);
    const buffered = new BehaviorSubject(read());
    let subscribers = 0;
    // While bufferedAmount$ has subscribers, the ready socket is read on each write completion
    // (rxws's Node socket) or on a poll (any other).
    const waker = new DrainWaker(() => buffered.next(read()), gate.marks.poll);
    const changed = (): void => {
      const socket = host.openSocket;
      if (socket !== null && subscribers > 0) waker.arm(socket);
      else waker.disarm();
      buffered.next(read());
      writable.next(!host.gated);
    };
    gate.changed = changed;
    monitor = {
      writable$: writable.pipe(distinctUntilChanged()),
      bufferedAmount$: new Observable<number>((subscriber) => {
        subscribers++;
        changed();
        const inner = buffered.pipe(distinctUntilChanged()).subscribe(subscriber);
        return () => {
          inner.unsubscribe();
          subscribers--;
          changed();
        };
      }),
    };
    monitors.set(gate, monitor);
  }
  return monitor;
}

/**
 * Whether `subject.next()` writes at once (true) or queues behind the send gate (false): replays
 * the current value, then every change. False while the socket's `bufferedAmount` is above the
 * high-water mark and has not yet fallen to the low one; true otherwise, and again after a
 * reconnection. Passive. Always `true` on a subject without the `backpressure` option (nothing
 * holds its `next()` back).
 *
 * @example
 * writableOf(upload$).subscribe((writable) => progress.classList.toggle('stalled', !writable));
 */
export function writableOf(subject: WebSocketSubject<never, unknown>): Observable<boolean> {
  return monitorOf(subject, 'writableOf()').writable$;
}

/**
 * The live socket's `bufferedAmount`: the current value at once, then its changes, read when
 * writes complete (rxws's Node socket) or on a poll while subscribed (other sockets); 0 between
 * connections. Passive. Works on any subject; it does not change how the subject sends.
 *
 * @example
 * bufferedAmountOf(upload$).subscribe((bytes) => (meter.value = bytes));
 */
export function bufferedAmountOf(subject: WebSocketSubject<never, unknown>): Observable<number> {
  return monitorOf(subject, 'bufferedAmountOf()').bufferedAmount$;
}
