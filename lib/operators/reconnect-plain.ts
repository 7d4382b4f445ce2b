// reconnect() on any other observable: the shared schedule around one subscriber's resubscriptions.
// Its "connection" is one subscription of the source; the first value counts as its "open".
import type { Observable, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import type { Policy } from './reconnect-policy.js';
import { RetrySchedule } from './reconnect-schedule.js';

/** @internal Subscribes `source` for `outer`, and again after each end the policy accepts. */
export function resubscribe<T>(policy: Policy, source: Observable<T>, outer: Subscriber<T>): TeardownLogic {
  let inner: Subscription | undefined;
  let done = false;
  const schedule = new RetrySchedule(policy, () => subscribe(), policy.network);

  const finish = (value: unknown, isError: boolean): void => {
    done = true;
    schedule.dispose();
    if (isError) outer.error(value);
    else outer.complete();
  };

  const ended = (value: unknown, isError: boolean): void => {
    inner = undefined;
    schedule.connectionEnded();
    if (!done) schedule.retryOrFinish(value, isError, finish);
  };

  const subscribe = (): void => {
    if (done) return;
    let first = true;
    let endedSynchronously = false;
    const subscription = source.subscribe({
      next: (value) => {
        if (first) {
          first = false;
          schedule.opened(); // the first value is this stream's "open": it must then last resetAfter ms
        }
        outer.next(value);
      },
      error: (error: unknown) => {
        endedSynchronously = true;
        ended(error, true);
      },
      complete: () => {
        endedSynchronously = true;
        ended(undefined, false);
      },
    });
    if (!endedSynchronously) inner = subscription;
  };

  subscribe();
  return () => {
    done = true;
    schedule.dispose();
    inner?.unsubscribe();
  };
}
