// A SchedulerLike on plain timers whose Node handles are unref'ed: rxws's own timers (reconnect
// delays, connect timeouts, heartbeats) never keep a process alive on their own.
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

type TimerHandle = ReturnType<typeof setTimeout>;

class TimerAction<T> extends Subscription implements SchedulerAction<T> {
  readonly #work: (this: SchedulerAction<T>, state?: T) => void;
  #handle: TimerHandle | undefined = undefined;

  constructor(work: (this: SchedulerAction<T>, state?: T) => void) {
    super(() => clearTimeout(this.#handle));
    this.#work = work;
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    clearTimeout(this.#handle);
    // Through the globals of the moment (so Jest's fake timers apply), unref'ed where the platform can.
    const handle = setTimeout(() => {
      if (this.closed) return;
      try {
        this.#work.call(this, state);
      } catch (error) {
        this.unsubscribe();
        throw error;
      }
      // A work that did not reschedule itself is done.
      if (this.#handle === handle) this.unsubscribe();
    }, Math.max(0, delay));
    (handle as { unref?: () => unknown }).unref?.();
    this.#handle = handle;
    return this;
  }
}

/**
 * An RxJS `SchedulerLike` on `setTimeout`, whose timers are `unref`ed on Node (so a pending
 * reconnect or heartbeat never keeps the process alive by itself) and which reads the clock with
 * `Date.now()` (wall-clock time, which keeps running while a machine sleeps). It looks the timer
 * functions up on each call, so Jest's fake timers drive it. rxws's default scheduler.
 *
 * @example
 * import { timerScheduler } from 'rxws';
 * ws$.pipe(reconnect({ scheduler: timerScheduler })); // the default
 */
export class TimerScheduler implements SchedulerLike {
  /**
   * The clock: `Date.now()`.
   *
   * @example
   * timerScheduler.now(); // ms since the epoch
   */
  now(): number {
    return Date.now();
  }

  /**
   * Runs `work` (with `state`) after `delay` ms on an unref'ed `setTimeout`; `work` may call
   * `this.schedule()` to run again. Unsubscribing the result cancels it.
   *
   * @example
   * const timer = timerScheduler.schedule(() => console.log('later'), 1000);
   * timer.unsubscribe(); // cancelled
   */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new TimerAction<T>(work).schedule(state, delay);
  }
}

/** The shared {@link TimerScheduler}: rxws's default for reconnect delays, timeouts and heartbeats. */
export const timerScheduler: SchedulerLike = new TimerScheduler();
