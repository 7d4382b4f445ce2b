import { Observable } from 'rxjs';
import { requireEngine } from './engine-host.js';
import type { FromSubject } from './derived.js';
import { checkCallbackOptions, markSubject, registryOf, type TopicSpec } from './topics.js';
import type { WebSocketSubject } from './web-socket-subject.js';
import { fail } from '../common/options.js';

/**
 * The optional last argument of {@link multiplex}.
 *
 * @typeParam Out what the subject receives.
 */
export interface MultiplexOptions<Out> {
  /**
   * The topic's name on the subject. Without it each `multiplex()` call is its own topic (all
   * subscribers of the returned observable share it); with it, every `multiplex()` (and
   * `channel()`) with the same key shares one server-side subscription. The first subscriber's
   * stream supplies `subMsg`, `unsubMsg` and `messageFilter`, so streams sharing a key must
   * describe the same topic.
   */
  key?: unknown;
  /**
   * Routes by key instead of scanning: a message reaches this topic when `topicOf(message) ===
   * key` (one map lookup per message however many topics use the same `topicOf` function), and
   * `messageFilter` then only checks it. Needs `key`. A message `topicOf` throws on reaches no
   * topic routed by it.
   */
  topicOf?: (message: Out) => unknown;
}

/**
 * A shared, reference-counted stream of one topic of `subject`'s messages (rxws's multiplexing;
 * the subject's own `multiplex()` method is rxjs's, one subscription message per subscriber):
 *
 * - the first subscriber sends `subMsg()`, later ones join silently, and `unsubMsg()` goes out
 *   when the last one leaves, only while the connection is open;
 * - every live topic's `subMsg()` is sent again when a connection opens, after the `handshake`
 *   and before the queue is flushed, so topics survive `reconnect()`;
 * - a throw in a callback errors that topic's subscribers only;
 * - `options.key` makes calls with the same key share one topic; `options.topicOf` routes by key
 *   (one map lookup per message however many topics).
 *
 * See docs/multiplex.md.
 *
 * @example
 * import { webSocket, multiplex, reconnect } from 'rxws';
 *
 * const ws$ = webSocket<Command, Update>(url);
 * const prices$ = multiplex(ws$, () => ({ sub: 'prices' }), () => ({ unsub: 'prices' }), (m) => m.topic === 'prices');
 * prices$.pipe(reconnect()).subscribe(render); // re-subscribed on every new connection
 */
export function multiplex<In, Out>(
  subject: WebSocketSubject<In, Out>,
  subMsg: FromSubject<() => In>,
  unsubMsg: FromSubject<() => In>,
  messageFilter: FromSubject<(value: Out) => boolean>,
  options?: FromSubject<MultiplexOptions<Out>>,
): Observable<Out> {
  const where = 'multiplex()';
  const core = requireEngine<In, Out>(subject, where);
  if (typeof subMsg !== 'function' || typeof unsubMsg !== 'function' || typeof messageFilter !== 'function') fail(where, 'subMsg, unsubMsg and messageFilter must be functions.');
  if (options !== undefined) {
    checkCallbackOptions(where, options, ['topicOf'], ['key']);
    if (options.topicOf !== undefined && options.key === undefined) fail(where, "'topicOf' needs 'key'.");
  }
  // Without a key, each multiplex() call is its own topic: the spec itself is the key.
  const spec: { -readonly [K in keyof TopicSpec<In, Out, Out>]: TopicSpec<In, Out, Out>[K] } = {
    key: options?.key,
    subscribe: subMsg,
    unsubscribe: unsubMsg,
    filter: messageFilter,
    keyOf: options?.topicOf,
    routeKey: options?.key,
    isError: undefined,
    toError: (value) => value,
    unwrap: undefined,
  };
  if (spec.key === undefined) spec.key = spec;
  const stream = new Observable<Out>((subscriber) => registryOf(core, subject).join(spec, subscriber));
  return markSubject(stream, subject);
}
