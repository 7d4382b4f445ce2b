// The one reconnect schedule, shared by every way reconnect() runs (a subject's coordinator, a
// subscriber's own retries of a stream that ended on a live connection, a plain observable): it
// counts the failed attempts, decides on each end, waits the backoff delay (and for connectivity),
// and times a connection: its connect timeout, and the resetAfter that makes the count start over.
import type { Subscription } from 'rxjs';
import { COMPLETED, causeOf, type ReconnectCause } from './reconnect-cause.js';
import { backoffDelay } from './backoff.js';
import type { NetworkStatus } from './network.js';
import type { Policy } from './reconnect-policy.js';

/** While offline, how often (ms, at least) connectivity is looked at again, for platforms that send no `online` event. */
const OFFLINE_RECHECK = 1000;

/** @internal One scheduled attempt: its number, its delay (and whether the server asked for it), and its timer. */
export interface PendingAttempt {
  readonly attempt: number;
  readonly delay: number;
  readonly reason: 'retry-after' | 'backoff';
  timer?: Subscription | undefined;
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
  readonly #network: NetworkStatus | undefined;
  /** An `online` event: the failures were the network's, so the count starts over and a pending attempt is made now. */
  readonly #online = (): void => {
    this.attempts = 0;
    const pending = this.pending;
    if (pending !== undefined) this.fire(pending, true);
  };
  /** The current connection's timer: its connect timeout until it opens, then its resetAfter. */
  #connectionTimer: Subscription | undefined = undefined;

  /**
   * @param due makes an attempt whose time came (its timer already released).
   * @param network the connectivity to wait for, if any: an `online` event starts the count over
   * and makes a pending attempt at once.
   */
  constructor(policy: Policy, due: (pending: PendingAttempt) => void, network?: NetworkStatus) {
    this.policy = policy;
    this.#due = due;
    this.#network = network;
    network?.addEventListener('online', this.#online);
  }

  /**
   * Whether to make the next attempt after an end with `cause`: `'exhausted'` past `maxAttempts`,
   * else what `shouldReconnect` says. Throws what `shouldReconnect` throws.
   */
  decide(cause: ReconnectCause): boolean | 'exhausted' {
    const attempt = this.attempts + 1;
    return attempt > this.policy.maxAttempts ? 'exhausted' : this.policy.shouldReconnect(cause, attempt);
  }

  /**
   * A stream ended on its own (with the error `value` if `isError`, else it completed): schedules
   * the next attempt if the policy wants one, else `finish` ends the stream as it ended (or with
   * what `shouldReconnect` threw).
   */
  retryOrFinish(value: unknown, isError: boolean, finish: (value: unknown, isError: boolean) => void): void {
    const cause = isError ? causeOf(value) : COMPLETED;
    try {
      if (this.decide(cause) === true) return this.retry(cause);
    } catch (error) {
      return finish(error, true);
    }
    finish(value, isError);
  }

  /**
   * Counts the next attempt and schedules it after the delay `retryAfter(cause)` asks for (at most
   * `maxRetryAfter`), else after its backoff delay (one `random()` draw). `announce` hears of it
   * before its timer starts. Throws what `retryAfter` throws.
   */
  retry(cause: ReconnectCause, announce?: (pending: PendingAttempt) => void): void {
    this.cancel();
    const attempt = ++this.attempts;
    const { policy } = this;
    const asked = policy.retryAfter(cause);
    const pending: PendingAttempt =
      typeof asked === 'number' && asked >= 0
        ? { attempt, delay: Math.min(asked, policy.maxRetryAfter), reason: 'retry-after' }
        : { attempt, delay: backoffDelay(attempt, policy, policy.random), reason: 'backoff' };
    this.pending = pending;
    announce?.(pending);
    this.#fireAfter(pending, pending.delay);
  }

  /** Makes `pending` now if it is still the pending attempt and (unless `force`) the device is not offline. */
  fire(pending: PendingAttempt, force: boolean): void {
    if (this.pending !== pending) return;
    if (!force && this.#network?.onLine === false) {
      // The 'online' event fires it; and where none comes (Chromium's workers see onLine change
      // but no event), a look again now and then, so an attempt never waits forever.
      this.#fireAfter(pending, Math.max(pending.delay, OFFLINE_RECHECK));
      return;
    }
    this.cancel();
    this.#due(pending);
  }

  #fireAfter(pending: PendingAttempt, delay: number): void {
    pending.timer = this.policy.scheduler.schedule(() => {
      pending.timer = undefined;
      this.fire(pending, false);
    }, delay);
  }

  /** Drops the pending attempt, if any. */
  cancel(): void {
    this.pending?.timer?.unsubscribe();
    this.pending = undefined;
  }

  /** A connection started (no attempt need wait any longer): `timedOut` runs if it is not open within `connectTimeout`. */
  connecting(timedOut: () => void): void {
    this.cancel();
    this.#timeConnection(this.policy.connectTimeout, timedOut);
  }

  /** The connection is open (and ready): if it lasts `resetAfter`, the count starts over. */
  opened(): void {
    // Stayed up long enough: the next failure is attempt 1 again.
    this.#timeConnection(this.policy.resetAfter, () => (this.attempts = 0));
  }

  /** Replaces the connection's timer with one that runs `then` after `delay` ms (none for Infinity: such a timer would fire at once). */
  #timeConnection(delay: number, then: () => void): void {
    this.connectionEnded();
    if (delay === Infinity) return;
    this.#connectionTimer = this.policy.scheduler.schedule(() => {
      this.#connectionTimer = undefined;
      then();
    }, delay);
  }

  /** The connection ended (or no longer matters): its timer stops. */
  connectionEnded(): void {
    this.#connectionTimer?.unsubscribe();
    this.#connectionTimer = undefined;
  }

  /** Releases everything: the pending attempt, the connection's timer, the connectivity listener. */
  dispose(): void {
    this.#network?.removeEventListener('online', this.#online);
    this.cancel();
    this.connectionEnded();
  }
}
