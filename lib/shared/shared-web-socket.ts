// One connection for all the tabs of an origin: the tab holding the Web Lock leads (owns the
// socket, lib/shared/leader.ts), every tab talks to it over a BroadcastChannel (docs/shared.md).
import { BehaviorSubject, Observable, Subject, filter, type Observer, type Subscription } from 'rxjs';
import { webSocket } from '../subject/web-socket.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import { WebSocketCloseError } from '../subject/close-error.js';
import type { ConnectionState, ConnectionStatus } from '../subject/connection-state.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { CloseEvent } from '../websocket/events.js';
import type { DecodeFailure } from '../subject/passive-streams.js';
import type { WebSocketSubjectConfig } from '../subject/config.js';
import type { SessionEvent, SessionOption } from '../subject/features.js';
import type { SharedSession, TabPart } from './session-parts.js';
import { canShare, checkSharedConfig, defaultDeserializer, defaultSerializer, type SharedRole, type SharedWebSocketConfig, type SharedWorkerLike } from './config.js';
import { SharedLeader } from './leader.js';
import { unmirrorStatus } from './status.js';
import { requestReply, type SharedRequestOptions } from './request.js';
import { sharedKey, tabLockName, type MirroredStatus, type Outgoing, type Relay, type TabId, type Topic, type TopicChange } from './protocol.js';

/**
 * A WebSocket connection shared by every tab of the origin with the same `name` and URL: the
 * same API as a `WebSocketSubject` (subscribe, next, multiplex, state$, status$, close), one
 * socket at the server. Make one with {@link sharedWebSocket}.
 *
 * @typeParam In what `next()` accepts.
 * @typeParam Out what subscribers receive.
 *
 * @example
 * const prices = sharedWebSocket<Command, Update>({ url: 'wss://example.com/prices', name: 'prices' });
 * prices.subscribe(render);
 */
export class SharedWebSocket<In, Out = In> extends Observable<Out> implements Observer<In> {
  readonly #id: TabId = globalThis.crypto.randomUUID();
  readonly #serializer: (value: In) => WebSocketMessage;
  readonly #deserializer: (event: MessageEvent) => Out;
  readonly #status = new BehaviorSubject<ConnectionStatus>({ state: 'idle' });
  readonly #role: BehaviorSubject<SharedRole>;
  /** Where the platform cannot share: this tab's own connection. */
  readonly #alone: WebSocketSubject<In, Out> | undefined;
  #channel: BroadcastChannel | undefined;
  /** The SharedWorker's port, when a worker owns the socket (then there is no channel). */
  #port: SharedWorkerLike['port'] | undefined;
  #hub = new Subject<Out>();
  #subscribers = 0;
  #leaderId: TabId | undefined;
  /** Whether a leader was known before (then a new one is a hand-over). */
  #hadLeader = false;
  #key = '';
  #leader: SharedLeader | undefined;
  #outbox: Outgoing[] = [];
  #nextSeq = 1;
  readonly #topics = new Set<Topic>();
  /** Whether this tab holds its own lock yet (until then it neither says hello nor follows). */
  #alive = false;
  /** A leader announced before this tab held its lock. */
  #announced: { id: TabId; status: MirroredStatus } | undefined;
  /** The leader's `webSocket()` config, should this tab lead: the tabs serialize and decode themselves. */
  #innerConfig: WebSocketSubjectConfig<WebSocketMessage, unknown> | undefined;
  /** This tab's place in the queue for the leader's lock (aborted when the page freezes). */
  #queued: AbortController | undefined;
  /** Releases the leader's lock (leadership given up when the page freezes). */
  #release: (() => void) | undefined;
  /** Aborts the wait for the leader's tab lock (that leader resigned). */
  #leaderWatch: AbortController | undefined;
  readonly #decodeErrorPolicy: 'emit' | 'error';
  readonly #open = new Subject<Event>();
  readonly #message = new Subject<MessageEvent>();
  readonly #error = new Subject<Event>();
  readonly #close = new Subject<CloseEvent>();
  readonly #decodeError = new Subject<DecodeFailure>();
  readonly #sessionEvents = new Subject<SessionEvent>();
  /** With `session: sharedSession(resumable())`: this tab's part (lib/shared/tab-session.ts). */
  #part: TabPart | undefined;
  /** The shared session, should this tab lead. */
  #session: SharedSession | undefined;

  /**
   * Prefer {@link sharedWebSocket}; `new SharedWebSocket(config)` is the same.
   * @throws TypeError for a bad config.
   * @example
   * const prices = new SharedWebSocket<Command, Update>({ url: 'wss://example.com/prices', name: 'prices' });
   */
  constructor(config: SharedWebSocketConfig<In, Out>) {
    super((subscriber) => this.#subscribe(subscriber));
    const { url, name } = checkSharedConfig(config);
    const { name: _name, url: _url, serializer, deserializer, onDecodeError = 'emit', worker, session, ...rest } = config;
    this.#decodeErrorPolicy = onDecodeError;
    this.#serializer = serializer ?? (defaultSerializer as (value: In) => WebSocketMessage);
    this.#deserializer = deserializer ?? (defaultDeserializer as (event: MessageEvent) => Out);
    if (!canShare()) {
      this.#alone = webSocket<In, Out>({ ...rest, url, serializer: this.#serializer, deserializer: this.#deserializer, onDecodeError, ...(session && { session: (session as Partial<SharedSession>).option ?? (session as SessionOption) }) });
      this.#role = new BehaviorSubject<SharedRole>('alone');
      return;
    }
    this.#role = new BehaviorSubject<SharedRole>('electing');
    const key = (this.#key = sharedKey(name, url));
    this.#innerConfig = { ...rest, url, serializer: (data: WebSocketMessage) => data, deserializer: (event: MessageEvent) => event.data as unknown };
    if (!session || (session as Partial<SharedSession>).tab) this.#start(key, url, rest, worker, session as SharedSession | undefined);
    else {
      // A bare resumable(): the code that shares a session loads now (a chunk of its own in the
      // app's bundle, fetched only by apps that share a session), and the tab takes part once it
      // has. Until then this tab's next() calls wait in its queue, as before it holds its lock.
      // (A chunk that cannot load errors the subscribers.)
      import('./shared-session.js').then(({ sharedSession }) => this.#start(key, url, rest, worker, sharedSession(session as SessionOption))).catch((error: unknown) => this.#hub.error(error));
    }
  }

  /** Takes part: the worker or the channel, this tab's own lock, the page's lifecycle events. */
  #start(key: string, url: string, rest: Pick<SharedWebSocketConfig<In, Out>, 'protocol' | 'binaryType'>, worker: (() => SharedWorkerLike) | undefined, session: SharedSession | undefined): void {
    const port = (this.#port = worker && typeof SharedWorker === 'function' ? this.#startWorker(worker) : undefined);
    this.#session = session;
    const tab = this; // (its private members, from the part's host)
    this.#part = session?.tab({
      events: this.#sessionEvents,
      id: this.#id,
      post: (relay) => this.#post(relay),
      get leaderId() {
        return tab.#leaderId;
      },
      get leads() {
        return tab.#leader !== undefined;
      },
      viaWorker: port !== undefined,
      get outbox() {
        return tab.#outbox;
      },
      set outbox(outbox) {
        tab.#outbox = outbox;
      },
      get active() {
        return tab.#subscribers > 0;
      },
      topics: () => [...this.#topics].flatMap((topic) => (topic.key === undefined ? [] : [topic.key])),
    });
    if (!port) (this.#channel = new BroadcastChannel(key)).onmessage = (event: MessageEvent<Relay>) => this.#receive(event.data);
    // This tab's own lock, held while it lives: the leader waits for it to learn the tab is gone.
    // Only once it is held does the tab take part (and queue for the leader's lock).
    void navigator.locks.request(tabLockName(key, this.#id), () => {
      this.#alive = true;
      const announced = this.#announced;
      this.#announced = undefined;
      if (announced) this.#follow(announced.id, announced.status);
      if (port) port.postMessage({ t: 'connect', from: this.#id, connect: { key, url, protocol: rest.protocol, binaryType: rest.binaryType, session: session?.option.options } } satisfies Relay);
      else this.#join();
      return new Promise<never>(() => {});
    });
    // A follower tab that goes away stops using the connection (a leader's socket goes with it).
    globalThis.addEventListener?.('pagehide', (event: PageTransitionEvent) => {
      if (!event.persisted && this.#leader) {
        this.#leader.leave();
        // With a session, the next leader sends this tab's unacknowledged messages (a crashed leader's go with it).
        this.#part?.bequeath(this.#leader.numbered);
      }
      this.#tellUse(false);
    });
    globalThis.addEventListener?.('pageshow', (event: PageTransitionEvent) => event.persisted && this.#tellUse(this.#subscribers > 0));
    // A frozen page runs nothing but keeps its locks: it gives up leadership (and its place in
    // the queue) as it freezes, and takes part again when it resumes (Page Lifecycle API).
    globalThis.document?.addEventListener('freeze', () => this.#freeze());
    globalThis.document?.addEventListener('resume', () => this.#alive && !port && this.#join());
  }

  /** The worker's port, listened to; undefined if the worker cannot start (then the tabs elect a leader). */
  #startWorker(worker: () => SharedWorkerLike): SharedWorkerLike['port'] | undefined {
    try {
      const { port } = worker();
      port.addEventListener('message', (event) => this.#receive(event.data as Relay));
      port.start();
      return port;
    } catch {
      return undefined;
    }
  }

  /** Queues for the leader's lock and asks who leads now. */
  #join(): void {
    const queued = (this.#queued = new AbortController());
    // Held until the tab goes away or freezes: then the next tab in line leads.
    navigator.locks
      .request(this.#key, { signal: queued.signal }, () => {
        if (queued.signal.aborted) return; // granted as the page froze: released at once
        if (this.#queued === queued) this.#queued = undefined;
        const part = this.#part;
        const gather = part && { bequests: part.bequests() };
        const leader = new SharedLeader(this.#innerConfig!, { id: this.#id, key: this.#key, post: (relay) => this.#post(relay), ...(gather && { gather, session: this.#session }) });
        this.#leader = leader;
        if (!gather) this.#post(leader.announcement); // (a gathering leader announces itself once it has asked which tabs live)
        return new Promise<void>((resolve) => (this.#release = resolve));
      })
      .catch(() => {}); // left the queue: the page froze
    this.#post({ t: 'hello', from: this.#id });
  }

  /** The page is being frozen: no more leading, no place in the queue (granted while frozen, it would lead nothing). */
  #freeze(): void {
    this.#queued?.abort();
    this.#queued = undefined;
    const leader = this.#leader;
    if (!leader) return;
    this.#leader = undefined;
    leader.resign();
    this.#post({ t: 'resign', id: this.#id });
    this.#release?.();
    this.#release = undefined;
  }

  /**
   * With `session: resumable()`: every session start of the shared connection, in every tab
   * (`new`, `resumed`, as `webSocket()`'s `session$`), and `{ kind: 'lost', id, unacknowledged }`
   * with this tab's own messages the server never acknowledged. A leader hand-over resumes the
   * session (`resumed`). Passive. Without a session it never emits.
   * @example
   * orders.session$.subscribe((s) => s.kind === 'lost' && resendOrDiscard(s.unacknowledged));
   */
  get session$(): Observable<SessionEvent> {
    if (this.#alone) return this.#alone.session$;
    return this.#sessionEvents.asObservable(); // (filled by the session's tab part, once there is one)
  }

  /**
   * This tab's part: `'leader'` (owns the socket), `'follower'`, `'electing'` (no leader known
   * yet, or the leader just went away), or `'alone'` (no sharing on this platform: a per-tab
   * `webSocket()`). Replays the current role, then every change.
   * @example
   * prices.role$.subscribe((role) => role === 'alone' && console.warn('this browser cannot share the connection'));
   */
  get role$(): Observable<SharedRole> {
    return this.#role.asObservable();
  }

  /**
   * This tab's role now (see {@link role$}).
   * @example
   * if (prices.role === 'leader') console.log('this tab owns the socket');
   */
  get role(): SharedRole {
    return this.#role.value;
  }

  /**
   * The shared connection's state, in every tab: replays the current one, then every change.
   * @example
   * prices.state$.subscribe((state) => badge.textContent = state);
   */
  get state$(): Observable<ConnectionState> {
    if (this.#alone) return this.#alone.state$;
    return new Observable<ConnectionState>((subscriber) => {
      let last: ConnectionState | undefined;
      return this.#status.subscribe((status) => {
        if (status.state !== last) subscriber.next((last = status.state));
      });
    });
  }

  /**
   * The shared connection's status (state and details; the `cause` of a reconnect carries only
   * its `code`), in every tab. Replays the current one.
   * @example
   * prices.status$.subscribe((s) => s.state === 'connecting' && console.log('attempt', s.attempt));
   */
  get status$(): Observable<ConnectionStatus> {
    return this.#alone ? this.#alone.status$ : this.#status.asObservable();
  }

  /**
   * The shared connection's state now.
   * @example
   * if (prices.state === 'open') console.log('online');
   */
  get state(): ConnectionState {
    return this.#alone ? this.#alone.state : this.#status.value.state;
  }

  /**
   * Every `open` event of the shared connection's socket (one per connection the leader opens,
   * a hand-over's new one included), in every tab. Passive: subscribing does not connect.
   * @example
   * prices.open$.subscribe(() => console.log('connected'));
   */
  get open$(): Observable<Event> {
    return this.#alone ? this.#alone.open$ : this.#open.asObservable();
  }

  /**
   * Every message the server sends, as a `MessageEvent` before (and whatever the result of) the
   * deserializer, in every tab, whether or not it has subscribers. Passive.
   * @example
   * prices.message$.subscribe((event) => console.log('bytes', String(event.data).length));
   */
  get message$(): Observable<MessageEvent> {
    return this.#alone ? this.#alone.message$ : this.#message.asObservable();
  }

  /**
   * Every `error` event of the leader's socket, in every tab (a plain `Event`: its details stay in
   * the leader tab). An error is always followed by a close. Passive.
   * @example
   * prices.error$.subscribe(() => console.warn('connection error'));
   */
  get error$(): Observable<Event> {
    return this.#alone ? this.#alone.error$ : this.#error.asObservable();
  }

  /**
   * Every `close` event of the leader's socket, with `code`, `reason` and `wasClean`, in every
   * tab. A socket that goes with its leader tab (closed, crashed, frozen) has no close here: the
   * hand-over follows. Passive.
   * @example
   * prices.close$.subscribe((event) => console.log('closed', event.code, event.reason));
   */
  get close$(): Observable<CloseEvent> {
    return this.#alone ? this.#alone.close$ : this.#close.asObservable();
  }

  /**
   * Messages this tab's deserializer could not decode, as `{ event, error }` (with the default
   * `onDecodeError: 'emit'`); this tab's subscribers carry on. Each tab decodes for itself.
   * @example
   * prices.decodeError$.subscribe(({ event, error }) => console.warn('bad message', event.data, error));
   */
  get decodeError$(): Observable<DecodeFailure> {
    return this.#alone ? this.#alone.decodeError$ : this.#decodeError.asObservable();
  }

  /**
   * How many of this tab's messages wait: sent with `next()` (or by `multiplex()`) and not yet
   * handed to the shared socket by the leader.
   * @example
   * if (prices.queueLength > 0) showPending(prices.queueLength);
   */
  get queueLength(): number {
    return this.#alone ? this.#alone.queueLength : this.#outbox.length;
  }

  /**
   * Empties this tab's queue and returns what it held (serialized, oldest first); the leader drops
   * them too. One the leader was handing to the socket at that instant may still go out.
   * @example
   * const unsent = prices.clearQueue(); // e.g. after close(), so they never go out later
   */
  clearQueue(): WebSocketMessage[] {
    if (this.#alone) return this.#alone.clearQueue();
    const cleared = this.#outbox;
    this.#outbox = [];
    const last = cleared[cleared.length - 1];
    if (last && this.#leaderId !== undefined) this.#post({ t: 'drop', from: this.#id, to: this.#leaderId, seq: last.seq });
    return cleared.map((m) => m.data);
  }

  /**
   * Sends `value`: serialized here, at once, then handed to the leader tab, which sends it on the
   * shared socket in this tab's order (queued until a connection is open).
   * @throws whatever the serializer throws (nothing is sent).
   * @example
   * prices.next({ type: 'hello' });
   */
  next(value: In): void {
    if (this.#alone) return this.#alone.next(value);
    this.#send(this.#serializer(value));
  }

  /**
   * Ends this tab's use (the socket closes with 1000 when no tab uses it); subscribers here complete.
   * @example
   * prices.complete();
   */
  complete(): void {
    this.close();
  }

  /**
   * As `complete()`: a close request only ends this tab's use of the shared connection (where the
   * tab is alone, it closes its socket with that code, as `webSocket()` does).
   * @example
   * prices.error({ code: 4000, reason: 'logged out' });
   */
  error(closeRequest: { code: number; reason?: string }): void {
    if (this.#alone) return this.#alone.error(closeRequest);
    this.close();
  }

  /**
   * Releases this tab's use: its subscribers complete. The socket closes (1000) when no tab uses
   * it. A later `subscribe()` uses it again. (`code`/`reason` apply only where the tab is alone.)
   * @example
   * logoutButton.onclick = () => prices.close();
   */
  close(code = 1000, reason?: string): void {
    if (this.#alone) return this.#alone.close(code, reason);
    this.#endHub();
  }

  /**
   * As `close()`.
   * @example
   * prices.unsubscribe();
   */
  unsubscribe(): void {
    this.close();
  }

  /**
   * A stream of one topic, as `WebSocketSubject.multiplex`: subscribing sends `subMsg()`,
   * unsubscribing sends `unsubMsg()`, `messageFilter` picks the topic's messages. Each tab's
   * subscription sends its own control messages; after a leader hand-over, live topics are
   * subscribed again on the new socket.
   * @example
   * prices.multiplex(() => ({ sub: 'EURUSD' }), () => ({ unsub: 'EURUSD' }), (m) => m.pair === 'EURUSD').subscribe(render);
   */
  multiplex(subMsg: () => unknown, unsubMsg: () => unknown, messageFilter: (value: Out) => boolean): Observable<Out> {
    if (this.#alone) return this.#alone.multiplex(subMsg, unsubMsg, messageFilter);
    return new Observable<Out>((observer) => {
      let topic: Topic;
      try {
        const data = this.#serializer(subMsg() as In);
        const key = typeof data === 'string' ? data : undefined;
        topic = { subMsg, key, seq: this.#send(data, key === undefined ? undefined : { key, sub: true }) };
      } catch (error) {
        observer.error(error);
        return;
      }
      this.#topics.add(topic);
      const subscription = this.pipe(filter(messageFilter)).subscribe(observer); // (a throwing filter errors the topic, as rxjs's multiplex)
      return () => {
        this.#topics.delete(topic);
        try {
          const state = this.state;
          const message = this.#serializer(unsubMsg() as In);
          if (state === 'open' || state === 'connecting') this.#send(message, topic.key === undefined ? undefined : { key: topic.key, sub: false });
        } catch (error) {
          observer.error(error);
        }
        subscription.unsubscribe();
      };
    });
  }

  /**
   * Sends `message(id)` and emits the first reply whose id (`idOf`, default its `id` property) is
   * `id`, then completes. Every tab receives the reply; the id, unique to this tab's request,
   * makes it match here only. Errors with rxjs's `TimeoutError` after `timeout` ms (10 000).
   * @example
   * prices.request((id) => ({ id, method: 'quote', pair: 'EURUSD' })).subscribe((reply) => show(reply));
   */
  request(message: (id: string) => In, options?: SharedRequestOptions<Out>): Observable<Out> {
    return requestReply<In, Out>(this, message, options);
  }

  #subscribe(subscriber: import('rxjs').Subscriber<Out>): Subscription {
    if (this.#alone) return this.#alone.subscribe(subscriber);
    const subscription = this.#hub.subscribe(subscriber);
    if (++this.#subscribers === 1) this.#tellUse(true);
    subscription.add(() => {
      if (--this.#subscribers === 0) this.#tellUse(false);
    });
    return subscription;
  }

  /** Queues `data` in this tab's outbox and hands it to the leader if one is known; its `seq`. */
  #send(data: WebSocketMessage, topic?: TopicChange): number {
    const seq = this.#nextSeq++;
    const message: Outgoing = topic === undefined ? { seq, data } : { seq, data, topic };
    this.#outbox.push(message);
    if (this.#leaderId !== undefined) this.#post({ t: 'send', from: this.#id, to: this.#leaderId, ...message });
    return seq;
  }

  #tellUse(active: boolean): void {
    if (this.#leaderId !== undefined) this.#post({ t: 'use', from: this.#id, to: this.#leaderId, active });
  }

  #endHub(close?: { code: number; reason: string; wasClean: boolean }): void {
    const hub = this.#hub;
    this.#hub = new Subject<Out>();
    if (close) hub.error(new WebSocketCloseError({ kind: 'close', ...close }));
    else hub.complete();
  }

  /** To this tab, and to the others unless it is addressed to this one (the leader's own sends). */
  #post(relay: Relay): void {
    if (this.#port) return this.#port.postMessage(relay);
    if (!('to' in relay) || relay.to !== this.#id) this.#channel?.postMessage(relay);
    this.#receive(relay);
  }

  #receive(relay: Relay): void {
    const leader = this.#leader;
    switch (relay.t) {
      case 'hello':
        if (leader && relay.from !== this.#id) this.#post(leader.announcement);
        return;
      case 'leader':
        this.#part?.followed(relay.id, relay.session);
        if (this.#alive) this.#follow(relay.id, relay.status);
        else this.#announced = { id: relay.id, status: relay.status };
        return;
      case 'seq':
      case 'session':
      case 'lost':
      case 'bequest':
        this.#part?.receive(relay);
        return;
      case 'state':
      case 'numbered':
      case 'got':
      case 'use':
      case 'send':
      case 'drop':
        if (relay.to === this.#id) leader?.receive(relay);
        return;
      case 'ack':
        if (relay.to === this.#id) this.#outbox = this.#outbox.filter((m) => m.seq > relay.seq);
        return;
      case 'status':
        return this.#mirror(relay.status);
      case 'msg':
        if (relay.seq !== undefined && this.#part?.fresh(relay.seq) === false) return; // a session's replay of what this tab has
        return this.#deliver(relay.data);
      case 'end':
        return this.#endHub(relay.close);
      case 'event': {
        const { kind, close } = relay;
        if (kind === 'close') this.#close.next(new globalThis.CloseEvent('close', close) as unknown as CloseEvent); // the browser's own (rxws's class is for Node)
        else (kind === 'open' ? this.#open : this.#error).next(new Event(kind));
        return;
      }
      case 'resign':
        return this.#leaderGone(relay.id);
    }
  }

  /** A server message: on message$ always, decoded for subscribers if there are any. */
  #deliver(data: unknown): void {
    const event = new MessageEvent('message', { data });
    this.#message.next(event);
    if (this.#subscribers === 0) return;
    let value: Out;
    try {
      value = this.#deserializer(event);
    } catch (error) {
      if (this.#decodeErrorPolicy === 'emit') return this.#decodeError.next({ event, error });
      const hub = this.#hub;
      this.#hub = new Subject<Out>();
      hub.error(error);
      return;
    }
    this.#hub.next(value);
  }

  #mirror(status: MirroredStatus): void {
    this.#status.next(unmirrorStatus(status));
  }

  /** The leader tab is gone: messages wait here for the next one; the connection is being made again. */
  #leaderGone(id: TabId): void {
    if (this.#leaderId !== id) return;
    this.#leaderId = undefined;
    this.#leaderWatch?.abort();
    this.#role.next('electing');
    const state = this.#status.value.state;
    if (state === 'open' || state === 'connecting') this.#status.next({ state: 'connecting', attempt: 1 });
  }

  /** A leader announced itself: a new one gets this tab's use, its unacknowledged messages again, and its live topics. */
  #follow(id: TabId, status: MirroredStatus): void {
    if (id === this.#leaderId) return this.#mirror(status);
    const handOver = this.#hadLeader;
    this.#hadLeader = true;
    // A new leader's socket is not open yet: through a hand-over the state stays 'connecting'.
    if (!(handOver && status.state === 'idle')) this.#mirror(status);
    this.#leaderId = id;
    this.#role.next(this.#port ? 'worker' : id === this.#id ? 'leader' : 'follower');
    // The leader's own lock is free once the leader tab is gone.
    this.#leaderWatch?.abort();
    if (id !== this.#id && !this.#port) {
      const watch = (this.#leaderWatch = new AbortController());
      navigator.locks.request(tabLockName(this.#key, id), { signal: watch.signal }, () => this.#leaderGone(id)).catch(() => {}); // aborted: that leader resigned or another leads
    }
    // With a session the new leader resumes it from every tab's state (its topics carry on at the server).
    if (this.#part) return this.#post({ t: 'state', to: id, ...this.#part.state() });
    if (this.#subscribers > 0) this.#tellUse(true);
    for (const message of this.#outbox) this.#post({ t: 'send', from: this.#id, to: id, ...message });
    if (!handOver) return;
    const waiting = new Set(this.#outbox.map((m) => m.seq));
    for (const topic of this.#topics) {
      if (waiting.has(topic.seq)) continue; // its subMsg() was never sent: it goes out above
      try {
        const data = this.#serializer(topic.subMsg() as In);
        topic.seq = this.#send(data, topic.key === undefined ? undefined : { key: topic.key, sub: true });
      } catch {
        // it threw when first subscribed too, or its subscription would not exist
      }
    }
  }
}

/**
 * One WebSocket connection for every tab of the origin with the same `name` and `url`: one tab
 * (the leader, elected with the Web Locks API) owns the socket, the others talk to it over a
 * `BroadcastChannel`. The same API as `webSocket()`. Where Web Locks or BroadcastChannel are
 * missing, a plain per-tab `webSocket()` (`role` is `'alone'`). See docs/shared.md.
 *
 * @throws TypeError for a bad config (`url` must be a string or URL, `name` a non-empty string).
 *
 * @example
 * import { sharedWebSocket } from 'rxws/shared';
 * const prices = sharedWebSocket<Command, Update>({ url: 'wss://example.com/prices', name: 'prices' });
 * prices.subscribe(render);
 * prices.next({ subscribe: 'EURUSD' }); // sent once, by the leader tab
 * prices.state$.subscribe(showBadge);   // the shared connection's state, in every tab
 */
export function sharedWebSocket<In, Out = In>(config: SharedWebSocketConfig<In, Out>): SharedWebSocket<In, Out> {
  return new SharedWebSocket<In, Out>(config);
}
