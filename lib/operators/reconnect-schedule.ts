// The one reconnect schedule, shared by every way reconnect() runs (a subject's coordinator, a
// subscriber's own retries of a stream that ended on a live connection, a plain observable): it
// counts the failed attempts, decides on each end, waits the backoff delay (and for connectivity),
// and times a connection: its connect timeout, and the resetAfter that makes the count start over.
import type { Subscription } from 'rxjs';
import type { ReconnectCause } from './reconnect-cause.js';
import { backoffDelay } from './backoff.js';
import { NetworkWatch, type NetworkStatus } from './network.js';
import { decide, type Policy } from './reconnect-policy.js';

/** While offline, how often (ms, at least) connectivity is looked at again, for platforms that send no `online` event. */
const OFFLINE_RECHECK = 1000;

/** @internal One scheduled attempt: its number, its delay, the end it follows, and its timer. */
export class PendingAttempt {
  timer: Subscription | undefined = undefined;
  constructor(
    readonly attempt: number,
    readonly delay: number,
    readonly cause: ReconnectCause,
  ) {}
}

/** @internal See the file's header. */
export class RetrySchedule {
  /** Failed attempts since the last stable connection (or the start). */
  attempts = 0;
  /** The attempt waiting for its time, if any. */
  pending: PendingAttempt | undefined = undefined;
  /** The options it follows (a subject's coordinator follows its first subscriber's). */
  policy: Policy;
  readonly #due: (pending: PendingAttempt) => void;
  readonly #network: NetworkWatch | undefined;
  #connectTimer: Subscription | undefined = undefined;
  #stableTimer: Subscription | undefined = undefined;

  /**
   * @param due makes an attempt whose time came (its timer already released).
   * @param network the connectivity to wait for, if any: an `online` event starts the count over
   * and makes a pending attempt at once.
   */
  constructor(policy: Policy, due: (pending: PendingAttempt) => void, network: NetworkStatus | undefined) {
    this.policy = policy;
    this.#due = due;
    this.#network = network === undefined ? undefined : new NetworkWatch(network, () => this.online());
  }

  /** Whether to make the next attempt after an end with `cause` (see `decide`). Throws what `shouldReconnect` throws. */
  decide(cause: ReconnectCause): boolean | 'exhausted' {
    return decide(this.policy, cause, this.attempts + 1);
  }

  /**
   * Counts the next attempt and schedules it after its backoff delay (one `random()` draw).
   * `announce` hears of it before its timer starts.
   */
  retry(cause: ReconnectCause, announce?: (pending: PendingAttempt) => void): void {
    this.cancel();
    const attempt = ++this.attempts;
    const { backoff, random, scheduler } = this.policy;
    const pending = new PendingAttempt(attempt, backoffDelay(attempt, backoff, random), cause);
    this.pending = pending;
    announce?.(pending);
    pending.timer = scheduler.schedule(() => {
      pending.timer = undefined;
      this.fire(pending, false);
    }, pending.delay);
  }

  /** Makes `pending` now if it is still the pending attempt and (unless `force`) the device is not offline. */
  fire(pending: PendingAttempt, force: boolean): void {
    if (this.pending !== pending) return;
    if (!force && this.#network?.offline === true) {
      // The 'online' event fires it; and where none comes (Chromium's workers see onLine change
      // but no event), a look again now and then, so an attempt never waits forever.
      pending.timer = this.policy.scheduler.schedule(() => {
        pending.timer = undefined;
        this.fire(pending, false);
      }, Math.max(pending.delay, OFFLINE_RECHECK));
      return;
    }
    pending.timer?.unsubscribe();
    this.pending = undefined;
    this.#due(pending);
  }

  /** Drops the pending attempt, if any. */
  cancel(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    pending.timer?.unsubscribe();
  }

  /** A connection started: `timedOut` runs if it is not open within `connectTimeout`. */
  connecting(timedOut: () => void): void {
    this.connectionEnded();
    const { connectTimeout, scheduler } = this.policy;
    if (connectTimeout === Infinity) return;
    this.#connectTimer = scheduler.schedule(() => {
      this.#connectTimer = undefined;
      timedOut();
    }, connectTimeout);
  }

  /** The connection is open (and ready): if it lasts `resetAfter`, the count starts over. */
  opened(): void {
    this.connectionEnded();
    const { resetAfter, scheduler } = this.policy;
    if (resetAfter === Infinity) return; // never stable enough (a timer of Infinity ms would fire at once)
    this.#stableTimer = scheduler.schedule(() => {
      this.#stableTimer = undefined;
      this.attempts = 0; // stayed up long enough: the next failure is attempt 1 again
    }, resetAfter);
  }

  /** The connection ended (or no longer matters): its timers stop. */
  connectionEnded(): void {
    this.#connectTimer?.unsubscribe();
    this.#connectTimer = undefined;
    this.#stableTimer?.unsubscribe();
    this.#stableTimer = undefined;
  }

  /** Releases everything: the pending attempt, the connection's timers, the connectivity listener. */
  dispose(): void {
    this.#network?.stop();
    this.cancel();
    this.connectionEnded();
  }

  private online(): void {
    this.attempts = 0; // the failures were the network's
    const pending = this.pending;
    if (pending !== undefined) this.fire(pending, true);
  }
}
