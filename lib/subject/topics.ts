// The registry of multiplexed topics and requests of one subject. It lives on the subject's core,
// not on subscriptions, so topics outlive connections: it holds ONE subscription to the subject
// while anything is registered, routes each received message to the topics and requests it
// belongs to, and re-announces every live topic (and each request that must be re-sent) in an
// open step, after the user's handshake and before the outbound queue is flushed.
import type { Observable, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import type { SubjectCore } from './core.js';
import type { OpeningConnection } from './open-step.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import { checkFunction, checkOptions } from '../common/options.js';

export { kSubject, subjectOf, markSubject } from './derived.js';

import { Router, type Route } from './router.js';

/** @internal How a connection ended, for the registry: with an error, or cleanly (`null`). */
export type End = { readonly error: unknown } | null;

/**
 * @internal A topic or a request: a route with a message (the topic's subscribe message, the
 * request) that goes out once per connection, at once or in the connection's open step.
 */
export interface Member<Out> extends Route<Out> {
  /** Its message went out on the connection the registry is attached to. */
  sent: boolean;
  /** Its message, serialized; none when undefined. */
  data(): WebSocketMessage | undefined;
  /** Making or sending its message threw: that fails it alone. */
  fail(error: unknown): void;
  /** The connection ended; `held`: a reconnect will bring another one. */
  lost(end: End, held: boolean): void;
}

/** @internal The description of one topic (made once per `multiplex()` / `channel()` call). */
export interface TopicSpec<In, Out, T> {
  /** The topic's identity on the subject: streams with the same key share one topic. */
  readonly key: unknown;
  /** The message sent when the topic starts and again after every reconnect; none when undefined. */
  readonly subscribe: (() => In) | undefined;
  /** The message sent when the last subscriber leaves (only while the connection is open). */
  readonly unsubscribe: (() => In) | undefined;
  /** A predicate over every received message (scanned), or a check after routing. */
  readonly filter: ((value: Out) => boolean) | undefined;
  /** A key extractor: the topic gets the messages whose `keyOf(message) === routeKey` (a map lookup). */
  readonly keyOf: ((value: Out) => unknown) | undefined;
  readonly routeKey: unknown;
  /** An application error for this topic: errors its subscribers with `toError(message)`. */
  readonly isError: ((value: Out) => boolean) | undefined;
  readonly toError: (value: Out) => unknown;
  /** What subscribers receive for a message; identity when undefined. */
  readonly unwrap: ((value: Out) => T) | undefined;
}

const NO_SUBSCRIBERS: readonly Subscriber<never>[] = [];

/** @internal One live topic: its subscribers share one server-side subscription. */
export class Topic<In, Out, T> implements Member<Out> {
  readonly registry: TopicRegistry<In, Out>;
  readonly spec: TopicSpec<In, Out, T>;
  live = true;
  sent = false;
  /** The first `subscribe()` result, evaluated when the first subscriber arrived, not sent yet. */
  pending: { value: In } | undefined;
  subscribers: readonly Subscriber<T>[] = NO_SUBSCRIBERS;
  /** The subject's `linger`: the topic outlives its last subscriber this long (still subscribed on the server), then ends. */
  lingering: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(registry: TopicRegistry<In, Out>, spec: TopicSpec<In, Out, T>, pending: { value: In } | undefined) {
    this.registry = registry;
    this.spec = spec;
    this.pending = pending;
  }

  deliver(value: Out): void {
    const spec = this.spec;
    let out: T;
    try {
      if (spec.filter !== undefined && !spec.filter(value)) return;
      if (spec.isError !== undefined && spec.isError(value)) {
        this.fail(spec.toError(value));
        return;
      }
      out = spec.unwrap === undefined ? (value as unknown as T) : spec.unwrap(value);
    } catch (error) {
      this.fail(error);
      return;
    }
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(out);
  }

  add(subscriber: Subscriber<T>): void {
    const subscribers = this.subscribers;
    this.subscribers = subscribers.length === 0 ? [subscriber] : subscribers.concat(subscriber);
  }

  /** A subscriber's teardown: the last one leaving ends the topic (and unsubscribes on the server). */
  remove(subscriber: Subscriber<T>): void {
    const subscribers = this.subscribers;
    const index = subscribers.indexOf(subscriber);
    if (index < 0) return;
    this.subscribers = subscribers.length === 1 ? NO_SUBSCRIBERS : subscribers.filter((s) => s !== subscriber);
    if (this.subscribers.length > 0 || !this.live) return;
    const linger = this.registry.core.config.linger;
    if (linger) {
      // (Infinity, or more than a timer can wait: setTimeout fires at once, so the topic stays until the connection ends)
      // A subscriber back within `linger` joins the topic as it is: no unsubscribe, no second subscribe.
      if (linger >= 2 ** 31) return;
      this.lingering = setTimeout(() => {
        this.lingering = undefined;
        if (this.subscribers.length > 0 || !this.live) return;
        this.registry.closeTopic(this, subscriber);
        this.registry.release();
      }, linger);
      return;
    }
    this.registry.closeTopic(this, subscriber);
    this.registry.release();
  }

  /** Stops the linger timer, if any: a subscriber joined (the topic carries on), or the topic ended. */
  stopLingering(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
  }

  /**
   * Ends the topic for all its subscribers (an error in a callback, an application error, the
   * connection ending for good, `channel.error()` / `complete()`). It leaves the registry first
   * (sending the unsubscribe message while the connection is open), so a subscriber that
   * resubscribes from its error handler starts a new topic.
   */
  terminate(end: End): void {
    if (!this.live) return;
    this.stopLingering(); // (a lingering topic's timer is not needed any more)
    this.registry.closeTopic(this, undefined);
    const subscribers = this.subscribers;
    this.subscribers = NO_SUBSCRIBERS;
    for (let i = 0; i < subscribers.length; i++) {
      if (end === null) subscribers[i]!.complete();
      else subscribers[i]!.error(end.error);
    }
    this.registry.release();
  }

  fail(error: unknown): void {
    this.terminate({ error });
  }

  /** The subscribe message: the pending first one, or a fresh `subscribe()`. */
  data(): WebSocketMessage | undefined {
    const spec = this.spec;
    if (spec.subscribe === undefined) return undefined;
    const pending = this.pending;
    this.pending = undefined;
    return this.registry.core.config.serializer(pending !== undefined ? pending.value : spec.subscribe());
  }

  /** Held: it waits for the next connection. Otherwise it ends as the connection did. */
  lost(end: End, held: boolean): void {
    const wasSent = this.sent;
    this.sent = false;
    if (held) return;
    this.terminate(end);
    // As rxjs, `unsubMsg` runs when the topic's subscribers have heard of the end (code may count
    // on it), but its message is not sent: there is no connection to unsubscribe from. A throw
    // is reported as rxjs reports unhandled errors.
    const unsubscribe = this.spec.unsubscribe;
    if (!wasSent || unsubscribe === undefined) return;
    try {
      unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
  }
}

/**
 * @internal The topics and requests of one subject (`core.topics`, made on first use), the router of
 * its messages and, while anything is registered, its subscriber. See the file comment.
 */
export class TopicRegistry<In, Out> extends Router<Out> {
  readonly core: SubjectCore<In, Out>;
  readonly source: Observable<Out>;
  readonly topics = new Map<unknown, Topic<In, Out, unknown>>();
  readonly requests = new Set<Member<Out>>();
  /** Live topics plus active requests: while > 0 the registry keeps a subscription to the subject. */
  users = 0;
  /** Subscribed to the subject (to a connection, open or not yet). */
  attached = false;
  inner: Subscription | undefined;
  /** The socket the open step last ran on: topics made after it on that connection send at once. */
  stepSocket: WebSocketLike | undefined;
  /** How the last connection ended, while detached and waiting for a reconnect. */
  lastEnd: End | undefined;
  /** Request ids: a random prefix per subject and a counter. */
  readonly idPrefix = Math.random().toString(36).slice(2, 8);
  idCounter = 0;

  constructor(core: SubjectCore<In, Out>, source: Observable<Out>) {
    super();
    this.core = core;
    this.source = source;
  }

  // ---- topics and requests ---------------------------------------------------------------

  /** A subscriber of a topic stream: joins the live topic, or starts it (sending its subscribe message). */
  join<T>(spec: TopicSpec<In, Out, T>, subscriber: Subscriber<T>): TeardownLogic {
    let topic = this.topics.get(spec.key) as Topic<In, Out, T> | undefined;
    if (topic !== undefined) {
      topic.stopLingering();
      topic.add(subscriber);
    } else {
      let pending: { value: In } | undefined;
      if (spec.subscribe !== undefined) {
        try {
          pending = { value: spec.subscribe() };
        } catch (error) {
          subscriber.error(error); // nothing was registered, nothing is sent
          return undefined;
        }
      }
      topic = new Topic<In, Out, T>(this, spec, pending);
      this.topics.set(spec.key, topic as Topic<In, Out, unknown>);
      topic.add(subscriber);
      // A topic counts as subscribed on this connection even if the socket was closing already.
      this.register(topic, spec.keyOf, spec.routeKey, true);
    }
    const joined = topic;
    return () => joined.remove(subscriber);
  }

  /** A request (request.ts) starts: routed to, announced on each connection until it ends. */
  addRequest(request: Member<Out>, keyOf: ((value: Out) => unknown) | undefined, key: unknown): void {
    this.requests.add(request);
    this.register(request, keyOf, key, false);
  }

  /** Routes to `member`, keeps the subject subscribed for it, and sends its message if the connection is ready for it. */
  register(member: Member<Out>, keyOf: ((value: Out) => unknown) | undefined, key: unknown, sentAnyway: boolean): void {
    this.route(member, keyOf, key);
    this.users++;
    this.ensureAttached();
    if (!this.canSendNow()) return;
    try {
      this.announce(member, (data) => this.core.sendNow(data) || sentAnyway);
    } catch (error) {
      member.fail(error);
    }
  }

  /** Takes `topic` out of the registry; sends its unsubscribe message if it is subscribed on an open connection. */
  closeTopic<T>(topic: Topic<In, Out, T>, leaving: Subscriber<T> | undefined): void {
    if (!topic.live) return;
    topic.live = false;
    const spec = topic.spec;
    if (this.topics.get(spec.key) === topic) this.topics.delete(spec.key);
    this.unroute(topic, spec.keyOf, spec.routeKey);
    if (!topic.sent || !this.attached || spec.unsubscribe === undefined) return;
    topic.sent = false;
    let data;
    try {
      data = this.core.config.serializer(spec.unsubscribe());
    } catch (error) {
      // The subscriber is already closed: as in rxjs, this reaches config.onStoppedNotification.
      leaving?.error(error);
      return;
    }
    this.core.sendNow(data); // false (nothing sent) when the connection is no longer open
  }

  removeRequest(request: Member<Out>, keyOf: ((value: Out) => unknown) | undefined, key: unknown): void {
    if (this.requests.delete(request)) this.unroute(request, keyOf, key);
  }

  /**
   * Sends `member`'s message through `send` unless it went out on this connection already. A
   * throw making it (a callback, the serializer) fails that member alone. False: the connection
   * closed meanwhile.
   */
  announce(member: Member<Out>, send: (data: WebSocketMessage) => boolean): boolean {
    if (!member.live || member.sent) return true;
    let data: WebSocketMessage | undefined;
    try {
      data = member.data();
    } catch (error) {
      member.fail(error);
      return true;
    }
    if (data !== undefined && !send(data)) return false;
    member.sent = true;
    return true;
  }

  // ---- the subscription to the subject ---------------------------------------------------

  /**
   * Subscribes to the subject unless already subscribed, or unless a reconnect() holds the
   * subject and no connection is underway (the topics then wait for the one it will open, rather
   * than opening one at once and defeating its backoff).
   */
  ensureAttached(): void {
    if (this.attached) return;
    if (this.core.reconnectHolds > 0 && this.core.current === undefined) return;
    this.attach();
  }

  attach(): void {
    this.attached = true;
    this.lastEnd = undefined;
    // Arrow functions, not `this` as the observer: rxjs's deprecated next context would rebind it.
    const subscription = this.source.subscribe({ next: (value) => this.dispatch(value), error: (error: unknown) => this.lost({ error }), complete: () => this.lost(null) });
    if (!this.attached) return; // the connection failed synchronously
    if (this.users === 0) {
      this.attached = false;
      subscription.unsubscribe();
      return;
    }
    this.inner = subscription;
  }

  /** A topic or request left: the last one unsubscribes from the subject (which then may close). */
  release(): void {
    if (--this.users > 0 || !this.attached) return;
    const inner = this.inner;
    this.attached = false;
    this.inner = undefined;
    inner?.unsubscribe();
  }

  /** Whether a message may go out now: attached to an open connection whose open step has run (or that is ready). */
  canSendNow(): boolean {
    if (!this.attached) return false;
    const core = this.core;
    const socket = core.current?.socket;
    return socket !== undefined && core.state === 'open' && (core.openSocket === socket || this.stepSocket === socket);
  }

  /**
   * The registry's subscription to the subject ended with the connection. While a reconnect()
   * holds the subject, topics stay (their subscribers notice nothing; the open step of the next
   * connection re-subscribes them) and requests in flight error unless they asked to be re-sent.
   * Otherwise everything ends as the connection did, like any subscriber of the subject.
   */
  lost(end: End): void {
    if (!this.attached) return;
    this.attached = false;
    this.inner = undefined;
    const held = this.core.reconnectHolds > 0;
    if (held) this.lastEnd = end;
    this.#tellAll(end, held);
  }

  /** The last reconnect() hold was released: topics still waiting for a connection end as the last one did. */
  holdReleased(): void {
    const end = this.lastEnd;
    if (this.attached || end === undefined) return;
    this.lastEnd = undefined;
    this.#tellAll(end, false);
  }

  /** Tells every topic, then every request, that the connection ended (from copies: ending one may add others). */
  #tellAll(end: End, held: boolean): void {
    for (const topic of [...this.topics.values()]) topic.lost(end, held);
    for (const request of [...this.requests]) request.lost(end, held);
  }

  /** The open step (after the user's handshake, before the queue flush): re-subscribe every live topic, send waiting requests. */
  opened(connection: OpeningConnection): void {
    this.stepSocket = connection.socket;
    if (this.users === 0) return;
    if (!this.attached) this.attach();
    if (!this.attached) return;
    const send = (data: WebSocketMessage) => connection.send(data);
    for (const topic of this.topics.values()) if (!this.announce(topic, send)) return;
    for (const request of this.requests) if (!this.announce(request, send)) return;
  }
}

/** @internal The registry of `core`, made on first use. */
export function registryOf<In, Out>(core: SubjectCore<In, Out>, source: Observable<Out>): TopicRegistry<In, Out> {
  return (core.topics ??= new TopicRegistry<In, Out>(core, source)) as TopicRegistry<In, Out>;
}

/** @internal A value as an error message shows it: its JSON (or `String()`), cut to 200 characters. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * @internal Checks the options of `multiplex()`, `channel()` or `request()`: an object whose keys
 * are all in `callbacks` (each a function when given) or `others` (the caller checks those). Returns it.
 */
export function checkCallbackOptions(where: string, options: unknown, callbacks: readonly string[], others: readonly string[] = []): Record<string, unknown> {
  const o = checkOptions(where, options, 'options', callbacks.concat(others));
  for (const name of callbacks) checkFunction(where, o[name], name);
  return o;
}
