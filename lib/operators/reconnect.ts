// reconnect(): the reconnect policy as a pipeable operator. On a WebSocketSubject (or a stream
// derived from one: multiplex(), channel(), request(), or the subject piped through ordinary
// operators) one coordinator per subject drives the subject's connections (reconnect-subject.ts),
// so every reconnecting subscriber shares one timer and one socket; on any other observable it
// resubscribes on its own (reconnect-plain.ts). Both run on one schedule (reconnect-schedule.ts)
// with the options checked once (reconnect-policy.ts).
import { Observable, type MonoTypeOperatorFunction, type Subscriber } from 'rxjs';
import { reconnectHostOf } from '../subject/reconnect-host.js';
import { subjectOf } from '../subject/derived.js';
import { liftedSourceOf } from '../internals/rxjs.js';
import { resolvePolicy, type ReconnectOptions } from './reconnect-policy.js';
import { coordinatorOf } from './reconnect-subject.js';
import { resubscribe } from './reconnect-plain.js';

/**
 * Reconnects the stream it is applied to whenever its connection ends, with exponential backoff
 * and full jitter (per attempt and per client), a flap guard (`resetAfter`), a connect timeout,
 * a close-code policy (`shouldReconnect`), `maxAttempts`, and connectivity awareness.
 *
 * On a `WebSocketSubject`, or a stream derived from one (`multiplex()`, `channel()`,
 * `request()`, or the subject through `map`/`filter`/...), it finds the subject and:
 * - reports on the subject's `state$` (`'reconnecting'`, `'exhausted'`) and `status$` (with
 *   `attempt`, `delay`, `at`, `cause` and `reason`: `'retry-after'` when the delay is the one the
 *   server asked for, a 429/503 handshake refusal's `Retry-After` on Node, else `'backoff'`);
 * - shares one schedule per subject: all its reconnecting subscribers wait on one timer and join
 *   one socket (the first subscriber's options set the schedule);
 * - never reconnects after the client's own close (`close()`, `complete()`, `error()`,
 *   `unsubscribe()` on the subject, which also cancel a pending retry);
 * - resends what `next()` queued while disconnected on the next connection, in order, after the
 *   `handshake`.
 *
 * The stream errors with the last cause when `shouldReconnect` says no (by default: the fatal
 * close codes and the application's own 4000-4999) or `maxAttempts` is spent
 * (then `state$` says `'exhausted'`); it completes when the connection ended normally (the
 * client's own close, or a server's clean 1000 unless `shouldReconnect` wants it). Subscribing
 * again starts afresh. On other observables it resubscribes after errors (and after completion if
 * `shouldReconnect` says so for `kind: 'complete'`), without state reporting.
 *
 * @example
 * const socket = webSocket<Command, Update>({ url, heartbeat: heartbeat() });
 * socket.pipe(reconnect()).subscribe((update) => render(update));
 * socket.status$.subscribe((s) => s.state === 'reconnecting' && showBanner(s.attempt, s.delay));
 */
export function reconnect<T>(options: ReconnectOptions = {}): MonoTypeOperatorFunction<T> {
  const policy = resolvePolicy(options);
  return (source) => {
    const subject = findSubject(source);
    return new Observable<T>((subscriber) => {
      const host = reconnectHostOf(subject);
      if (host !== undefined) return coordinatorOf(host, subject!, policy).register(policy, source, subscriber as Subscriber<unknown>);
      return resubscribe(policy, source, subscriber);
    });
  };
}

/**
 * The subject behind `source`: a subject itself (it has a reconnect host), a stream marked by
 * multiplex()/channel()/request() (`subjectOf`), or either through operators (`liftedSourceOf`;
 * where rxjs keeps no lifted source, such a stream is resubscribed as a plain observable).
 */
function findSubject(source: Observable<unknown>): Observable<unknown> | undefined {
  let current: unknown = source;
  for (let depth = 0; depth < 64 && current != null; depth++) {
    if (reconnectHostOf(current) !== undefined) return current as Observable<unknown>;
    const marked = subjectOf(current);
    if (reconnectHostOf(marked) !== undefined) return marked as Observable<unknown>;
    current = liftedSourceOf(current);
  }
  return undefined;
}
