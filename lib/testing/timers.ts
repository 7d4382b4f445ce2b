// The kit's own clock. Timer functions are captured once, when this module is first imported, from
// `node:timers` (Jest's fake timers replace the sandbox's globals, never the core module's
// functions we hold here), so a test that calls `jest.useFakeTimers()` freezes only the code under
// test, while the kit's timeouts and delays keep running in real time.
import * as nodeTimers from 'node:timers';
import { performance as nodePerformance } from 'node:perf_hooks';

const captureSetTimeout = nodeTimers.setTimeout;
const captureClearTimeout = nodeTimers.clearTimeout;
// `performance.now` is faked too (`Date` as well), so transcripts read this captured clock.
const captureNow = nodePerformance.now.bind(nodePerformance);

/** @internal A handle returned by {@link realSetTimeout}. */
export type RealTimer = ReturnType<typeof nodeTimers.setTimeout>;

/**
 * `setTimeout` as it was when the kit was loaded: unaffected by fake timers. Timeouts are
 * `unref`ed by default, so a forgotten kit timeout never keeps the process (or a Jest worker)
 * alive; a delay that is a step of a flow passes `keepAlive` so a script awaiting it is not cut short.
 *
 * @internal
 */
export function realSetTimeout(callback: () => void, ms: number, keepAlive = false): RealTimer {
  const timer = captureSetTimeout(callback, Math.max(0, ms));
  if (!keepAlive) timer.unref();
  return timer;
}

/** @internal Cancels a timer made by {@link realSetTimeout}. */
export function realClearTimeout(timer: RealTimer | undefined): void {
  if (timer !== undefined) captureClearTimeout(timer);
}

/** @internal Milliseconds from an arbitrary origin, from the real (never faked) monotonic clock. */
export function realNow(): number {
  return captureNow();
}

/**
 * Resolves after `ms` real milliseconds (even under fake timers); rejects early with the
 * signal's reason if `signal` aborts.
 *
 * @internal
 */
export function realDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      realClearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = realSetTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms, true);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
