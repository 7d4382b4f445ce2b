// Per-connection liveness: ping on a schedule, expect a sign of life within a deadline, and declare
// the connection dead (the core terminates it) when none came. Browser-safe: protocol pings are
// reached through getNodeControls() only.
import { Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { getNodeControls } from '../websocket/controls.js';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import type { WebSocketLike } from '../websocket/socket-like.js';
import { checkFunction, checkNumber, checkOptions, fail } from '../common/options.js';
import { kFeature, type EngineHeartbeat, type HeartbeatOption } from './features.js';
import { abortConnection } from './abort.js';
import type { Connection } from './connection.js';
import type { SubjectCore } from './core.js';

/**
 * The options of {@link heartbeat} (`webSocket()`'s `heartbeat` option): finds dead and half-open connections.
 *
 * Every `interval` ms the connection is pinged, and some sign of life must arrive within `timeout`
 * ms: a pong, or **any** inbound message. If none does, the socket is terminated at once (no
 * closing handshake to wait for) and the subscribers error with a `WebSocketCloseError` of `kind
 * 'heartbeat'`, code 1006, which `reconnect()` reconnects after by default.
 *
 * - With rxws's `WebSocket` on Node (and no `ping` given): RFC 6455 protocol pings, answered by
 *   any conforming server without application code.
 * - Elsewhere (browsers, undici), or when `ping` is given: the application-level message
 *   `ping()` (sent directly, never through the outbound queue, so never replayed after a
 *   reconnect); `isPong(message)` recognises the answer, which is then not passed to subscribers.
 * - With neither (a browser socket and no `ping`): passive, the connection is dead after
 *   `interval + timeout` ms without any inbound message (for servers that send heartbeats).
 *
 * Deadlines compare the clock (`scheduler.now()`, wall-clock by default) with when the timer was
 * due: a timer that fires more than `grace` ms late (the machine slept, the tab was throttled)
 * never kills the connection; it pings again and waits a full `timeout`.
 *
 * @example
 * // Node: protocol pings every 20 s, dead after 5 s without an answer
 * webSocket({ url, heartbeat: heartbeat({ interval: 20_000, timeout: 5_000 }) });
 */
export interface HeartbeatConfig<In = unknown, Out = unknown> {
  /** How often to ping, in ms. Default 25000 (below the usual 30-60 s proxy and NAT idle timeouts). */
  interval?: number;
  /** How long to wait for a sign of life after a ping, in ms. Default 10000. */
  timeout?: number;
  /** How late a timer may fire before it counts as a wake-up from sleep (re-verify, never kill), in ms. Default 1000. */
  grace?: number;
  /** An application-level ping message (serialized like any `next()` value, sent directly). Default: protocol pings where available. */
  ping?: () => In;
  /** Recognises the application-level pong; such messages count as life and are not passed to subscribers (`message$` still sees them). */
  isPong?: (message: Out) => boolean;
  /** The scheduler of the heartbeat's timers (and its clock). Default rxws's `timerScheduler` (unref'ed Node timers, `Date.now()`). */
  scheduler?: SchedulerLike;
}

/** The defaults of {@link HeartbeatConfig}. */
export const DEFAULT_HEARTBEAT = Object.freeze({
  /** How often to ping: 25 s. */
  interval: 25_000,
  /** How long a ping may go unanswered: 10 s. */
  timeout: 10_000,
  /** How late a timer may fire before it counts as a wake-up from sleep: 1 s. */
  grace: 1_000,
});

/** @internal The checked heartbeat configuration. */
export interface NormalizedHeartbeat {
  readonly interval: number;
  readonly timeout: number;
  readonly grace: number;
  readonly ping: (() => unknown) | undefined;
  readonly isPong: ((message: unknown) => boolean) | undefined;
  readonly scheduler: SchedulerLike;
}

const KEYS = ['interval', 'timeout', 'grace', 'ping', 'isPong', 'scheduler'];

/** @internal Checks heartbeat options and fills in the defaults. @throws TypeError naming the bad option. */
export function normalizeHeartbeat(value: unknown, where = 'heartbeat()'): NormalizedHeartbeat {
  const config = checkOptions(where, value, 'options', KEYS);
  checkFunction(where, config['ping'], 'ping');
  checkFunction(where, config['isPong'], 'isPong');
  const scheduler = (config['scheduler'] ?? timerScheduler) as SchedulerLike;
  if (typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') fail(where, `'scheduler' must be an RxJS SchedulerLike.`);
  return {
    interval: checkNumber(where, config['interval'], 'interval', DEFAULT_HEARTBEAT.interval, 1, false, false),
    timeout: checkNumber(where, config['timeout'], 'timeout', DEFAULT_HEARTBEAT.timeout, 1, false, false),
    grace: checkNumber(where, config['grace'], 'grace', DEFAULT_HEARTBEAT.grace, 0, false, false),
    ping: config['ping'] as (() => unknown) | undefined,
    isPong: config['isPong'] as ((message: unknown) => boolean) | undefined,
    scheduler,
  };
}

/**
 * A heartbeat for `webSocket()`'s `heartbeat` option: finds dead and half-open connections (see
 * {@link HeartbeatConfig} for how it pings and decides). Bundled only when imported.
 *
 * @throws TypeError for a bad option.
 *
 * @example
 * import { webSocket, heartbeat } from 'rxws';
 *
 * // Node: protocol pings every 20 s, dead after 5 s without an answer
 * webSocket({ url, heartbeat: heartbeat({ interval: 20_000, timeout: 5_000 }) });
 * // Browser: application-level ping / pong
 * webSocket<Msg>({ url, heartbeat: heartbeat({ ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' }) });
 *
 * // The measured round trip of each ping (ms), here and on status$ as `latency`
 * const beat = heartbeat({ interval: 5_000 });
 * const ws$ = webSocket({ url, heartbeat: beat });
 * beat.latency$.subscribe((ms) => console.log(`rtt ${ms} ms`));
 * ws$.status$.subscribe((s) => s.state === 'open' && s.latency !== undefined && showLatency(s.latency));
 */
export function heartbeat<In = unknown, Out = unknown>(options: HeartbeatConfig<In, Out> = {}): HeartbeatOption<In, Out> {
  const config = normalizeHeartbeat(options);
  const ping = config.ping as (() => In) | undefined;
  const isPong = config.isPong;
  const latency = new Subject<number>();
  return {
    [kFeature]: 'heartbeat',
    // An application-level pong is the answer to the ping of the connection it arrived on: the one
    // whose heartbeat the engine just told of a message (it sets `alive` first, then asks isPong).
    isPong:
      isPong &&
      ((message: Out) => {
        const pong = isPong(message);
        if (pong) lastTold?.ponged();
        return pong;
      }),
    latency$: latency.asObservable(),
    start: (socket, send, engine, connection) => {
      const core = engine as SubjectCore<unknown, unknown>;
      return new Heartbeat(
        config,
        socket,
        () => send(ping!),
        () => abortConnection(core, connection as Connection<unknown, unknown>, 'heartbeat'),
        (rtt) => {
          if (core.current === connection && core.state === 'open') core.setStatus({ state: 'open', latency: rtt });
          latency.next(rtt);
        },
      );
    },
  };
}

/** The heartbeat last told of an inbound message (see `isPong` above); none once it stopped. */
let lastTold: Heartbeat | undefined;

/** How a {@link Heartbeat} pings: protocol pings (Node), an application message, or not at all (passive). */
export type HeartbeatMode = 'protocol' | 'message' | 'passive';

/**
 * @internal One connection's heartbeat. The connection sets `alive` on every inbound message;
 * protocol pongs set it too. `sendPing` sends the application-level ping (false when it could
 * not); `dead` is called once, on a missed deadline.
 */
export class Heartbeat implements EngineHeartbeat {
  #alive = false;
  /** When the unanswered ping was sent (`scheduler.now()`), if one is. */
  #pingAt: number | undefined = undefined;
  readonly mode: HeartbeatMode;
  #timer: Subscription | undefined = undefined;
  #removePong: (() => void) | undefined = undefined;
  #stopped = false;
  readonly #controls: ReturnType<typeof getNodeControls>;

  constructor(
    private readonly config: NormalizedHeartbeat,
    socket: WebSocketLike,
    private readonly sendPing: () => void,
    private readonly dead: () => void,
    private readonly measured: (rtt: number) => void = () => undefined,
  ) {
    this.#controls = config.ping === undefined ? getNodeControls(socket) : undefined;
    this.mode = config.ping !== undefined ? 'message' : this.#controls !== undefined ? 'protocol' : 'passive';
    if (this.#controls !== undefined) {
      this.#removePong = this.#controls.onPong(() => {
        this.#alive = true;
        this.ponged();
      });
    }
    this.#arm(this.#tick, config.interval);
  }

  /** A sign of life since the last ping (the engine sets it on every inbound message). */
  get alive(): boolean {
    return this.#alive;
  }
  set alive(alive: boolean) {
    this.#alive = alive;
    if (alive) lastTold = this;
  }

  /** The answer to the last ping arrived (a protocol pong, or the application's): its round trip is measured. */
  ponged(): void {
    const sentAt = this.#pingAt;
    if (sentAt === undefined || this.#stopped) return;
    this.#pingAt = undefined;
    this.measured(Math.max(0, this.config.scheduler.now() - sentAt));
  }

  stop(): void {
    if (lastTold === this) lastTold = undefined;
    this.#pingAt = undefined;
    this.#stopped = true;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#removePong?.();
    this.#removePong = undefined;
  }

  #arm(step: (due: number) => void, delay: number): void {
    if (this.#stopped) return;
    const scheduler = this.config.scheduler;
    const due = scheduler.now() + delay;
    this.#timer?.unsubscribe();
    this.#timer = scheduler.schedule(() => {
      this.#timer = undefined;
      if (!this.#stopped) step.call(this, due);
    }, delay);
  }

  #ping(): void {
    if (this.mode === 'passive') return;
    try {
      if (this.mode === 'protocol') this.#controls!.ping();
      else this.sendPing();
      this.#pingAt = this.config.scheduler.now();
    } catch {
      // not OPEN any more (the close event is on its way), or an application ping that cannot be
      // sent: skipped; the deadline still applies
    }
  }

  #tick(): void {
    this.#alive = false;
    this.#ping();
    this.#arm(this.#check, this.mode === 'passive' ? this.config.interval + this.config.timeout : this.config.timeout);
  }

  #check(due: number): void {
    const { interval, timeout, grace, scheduler } = this.config;
    if (this.#alive) {
      this.#arm(this.#tick, this.mode === 'passive' ? 0 : Math.max(0, interval - timeout));
      return;
    }
    if (scheduler.now() - due > grace) {
      // The deadline passed while the machine slept (or timers were throttled): the peer had no
      // chance to answer. Ask again and give it a full timeout.
      this.#ping();
      this.#arm(this.#check, timeout);
      return;
    }
    this.stop();
    this.dead();
  }
}
