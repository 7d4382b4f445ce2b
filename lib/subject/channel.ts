import { Observable, type Observer, type Subscriber, type TeardownLogic } from 'rxjs';
import type { SubjectCore } from './core.js';
import { requireEngine } from './engine-host.js';
import type { FromSubject } from './derived.js';
import type { WebSocketSubject } from './web-socket-subject.js';
import { checkCallbackOptions, markSubject, preview, registryOf, type TopicRegistry, type TopicSpec } from './topics.js';
import { fail } from '../common/options.js';

/**
 * How `channel(key, options)` talks to the server about one topic. Give `topicOf` (routing by
 * key: one map lookup per message for all channels sharing that function) or `select` (a
 * predicate, run for every message), or both (`select` then checks what `topicOf` routed).
 *
 * @typeParam In what the subject sends; @typeParam Out what it receives;
 * @typeParam T what the channel's subscribers receive; @typeParam V what `channel.next()` takes;
 * @typeParam K the key.
 */
export interface ChannelOptions<In, Out, T = Out, V = In, K = string> {
  /** The message that subscribes on the server: sent when the first subscriber arrives, and again on every new connection. None if omitted. */
  subscribe?: NoInfer<(key: K) => In>;
  /** The message sent when the last subscriber leaves, only while the connection is open. None if omitted. */
  unsubscribe?: NoInfer<(key: K) => In>;
  /** The topic of a received message: the channel gets those whose `topicOf(message) === key`. Share one function between channels. */
  topicOf?: (message: Out) => unknown;
  /** Whether a received message belongs to this channel (alone, or after `topicOf`). */
  select?: (message: Out, key: K) => boolean;
  /** What subscribers receive for a message of the channel. Default: the message itself. */
  unwrap?: (message: Out, key: K) => T;
  /** What `channel.next(value)` sends on the subject. Default: the value itself. */
  wrap?: (value: V, key: K) => In;
  /** An application error for this topic (e.g. `{ topic, error }`): errors this channel's subscribers, and only them. */
  isError?: (message: Out, key: K) => boolean;
  /** The error a message `isError` recognises becomes. Default: a {@link ChannelError}. */
  toError?: (message: Out, key: K) => unknown;
}

/**
 * The error a channel's subscribers get for a message its `isError` recognises (without `toError`).
 *
 * @example
 * room.subscribe({ error: (e) => e instanceof ChannelError && banner(`left ${String(e.key)}: ${JSON.stringify(e.data)}`) });
 */
export class ChannelError extends Error {
  /** The channel's key. */
  readonly key: unknown;
  /** The message that was recognised as an error. */
  readonly data: unknown;

  constructor(key: unknown, data: unknown) {
    super(`Channel ${preview(key)} got an error message: ${preview(data)}`);
    this.name = 'ChannelError';
    this.key = key;
    this.data = data;
  }
}

const OPTION_KEYS = ['subscribe', 'unsubscribe', 'topicOf', 'select', 'unwrap', 'wrap', 'isError', 'toError'];

/**
 * A two-way sub-subject for one topic of a `WebSocketSubject`: subscribe to receive the topic's
 * messages (unwrapped), `next()` to send (wrapped) through the subject's queue. Subscribers share
 * one server-side subscription (reference-counted), re-sent on every new connection before the
 * queue is flushed. Make one with `channel(subject, key, options)`.
 *
 * @example
 * const room = channel(socket, 'room:42', {
 *   subscribe: (topic) => ({ type: 'sub', topic }),
 *   unsubscribe: (topic) => ({ type: 'unsub', topic }),
 *   topicOf: (m) => m.topic,
 *   unwrap: (m) => m.data,
 *   wrap: (data, topic) => ({ type: 'pub', topic, data }),
 * });
 * room.subscribe((data) => render(data));
 * room.next({ text: 'hello' });
 */
export class WebSocketChannel<T, V = T, K = string> extends Observable<T> implements Observer<V> {
  /** The channel's key (its topic). */
  readonly key: K;
  readonly #core: SubjectCore<unknown, unknown>;
  readonly #subject: Observable<unknown>;
  readonly #spec: TopicSpec<unknown, unknown, T>;
  readonly #wrap: ((value: V, key: K) => unknown) | undefined;

  /** @internal Made by `channel(subject, key, options)`. */
  static make<T, V, K>(subject: Observable<unknown>, key: K, options: ChannelOptions<unknown, unknown, T, V, K>): WebSocketChannel<T, V, K> {
    return new WebSocketChannel<T, V, K>(subject, key, options);
  }

  private constructor(subject: Observable<unknown>, key: K, options: ChannelOptions<unknown, unknown, T, V, K>) {
    super();
    this.#core = requireEngine(subject, 'channel()');
    const o = checkCallbackOptions('channel()', options, OPTION_KEYS);
    if (o.topicOf === undefined && o.select === undefined) fail('channel()', "give 'topicOf' or 'select' (or both).");
    this.key = key;
    this.#subject = subject;
    this.#wrap = options.wrap;
    const { subscribe, unsubscribe, select, unwrap, isError, toError } = options;
    /** The option `fn` with the key bound as its second argument. */
    const withKey = <A, R>(fn: ((a: A, key: K) => R) | undefined) => fn && ((a: A) => fn(a, key));
    this.#spec = {
      key,
      subscribe: subscribe && (() => subscribe(key)),
      unsubscribe: unsubscribe && (() => unsubscribe(key)),
      filter: withKey(select),
      keyOf: options.topicOf,
      routeKey: key,
      isError: withKey(isError),
      toError: withKey(toError) ?? ((message) => new ChannelError(key, message)),
      unwrap: withKey(unwrap),
    };
    markSubject(this, subject);
  }

  /** @internal */
  protected _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    return registryOf(this.#core, this.#subject).join(this.#spec, subscriber);
  }

  /**
   * Sends `wrap(value, key)` on the subject (now, or queued until the connection is ready).
   * @throws what `wrap` or the serializer throws, as the subject's `next()` does.
   *
   * @example
   * room.next({ text: 'hello' }); // sends wrap({ text: 'hello' }, 'room:42')
   */
  next(value: V): void {
    const wrap = this.#wrap;
    this.#core.next(wrap === undefined ? value : wrap(value, this.key));
  }

  /**
   * Errors this channel's subscribers with `error` (the unsubscribe message is sent); the subject carries on.
   *
   * @example
   * room.error(new Error('kicked'));
   */
  error(error: unknown): void {
    this.#topic()?.terminate({ error });
  }

  /**
   * Completes this channel's subscribers (the unsubscribe message is sent); the subject carries on.
   *
   * @example
   * room.complete(); // leave the room, keep the connection
   */
  complete(): void {
    this.#topic()?.terminate(null);
  }

  /** Whether the channel has subscribers (its topic is live on the subject). */
  get observed(): boolean {
    return this.#topic() !== undefined;
  }

  #topic() {
    return (this.#core.topics as TopicRegistry<unknown, unknown> | undefined)?.topics.get(this.key);
  }
}

/**
 * A two-way sub-subject of `subject` for the topic `key`: subscribers receive its messages
 * (`unwrap`ped), `next(value)` sends `wrap(value, key)`. Reference-counted and re-subscribed on
 * every new connection like {@link multiplex}; an application error (`isError`) errors this
 * channel alone. Channels with the same key share one topic. See docs/multiplex.md.
 *
 * @example
 * import { webSocket, channel } from 'rxws';
 *
 * const chat = channel(socket, 'room:42', {
 *   subscribe: (topic) => ({ type: 'sub', topic }),
 *   unsubscribe: (topic) => ({ type: 'unsub', topic }),
 *   topicOf: (m) => m.topic,
 *   unwrap: (m) => m.data,
 *   wrap: (data, topic) => ({ type: 'pub', topic, data }),
 * });
 * chat.subscribe((data) => render(data));
 * chat.next({ text: 'hi' });
 */
export function channel<In, Out, T = Out, V = In, K = string>(subject: WebSocketSubject<In, Out>, key: K, options: ChannelOptions<FromSubject<In>, FromSubject<Out>, T, V, K>): WebSocketChannel<T, V, K> {
  return WebSocketChannel.make<T, V, K>(subject as Observable<unknown>, key, options as ChannelOptions<unknown, unknown, T, V, K>);
}
