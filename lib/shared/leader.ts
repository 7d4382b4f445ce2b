// The leader tab's side of a shared connection: it owns the one real webSocket() and serves every
// tab's (its own included) uses, sends, topics and subscribers over the relay.
import type { Subscription } from 'rxjs';
import { webSocket } from '../subject/web-socket.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import type { WebSocketSubjectConfig } from '../subject/config.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import { mirrorStatus } from './status.js';
import { tabLockName, type MirroredStatus, type Numbered, type Relay, type TabId, type TabState, type TopicChange } from './protocol.js';
import type { LeaderPart, PendingSend, SharedSession } from './session-parts.js';

/** Who leads, and how it reaches the tabs. */
export interface LeaderHost {
  /** This tab's id. */
  readonly id: TabId;
  /** The shared connection's lock name (tab locks are named from it). */
  readonly key: string;
  /** Delivers a relay message to every tab, this one included. */
  post(relay: Relay): void;
  /** A tab is gone (its tab lock was released). */
  gone?(tab: TabId): void;
  /**
   * With a session, a new leader tab first gathers every live tab's state (their answers to its
   * announcement, as `state` relays, and the states `bequests` of leaders that left): it opens
   * the socket once it has them. (A SharedWorker has nothing to gather.)
   */
  gather?: { readonly bequests: readonly TabState[] };
  /** The shared session (`sharedSession(resumable())`), if the connection is one. */
  session?: SharedSession;
}

/** The close code of a frozen leader tab's session connection (not 1000, which would end the session; a browser's client may close only with 1000 or 3000-4999). */
const LEADER_FROZEN = 4100;

export class SharedLeader {
  readonly #socket: WebSocketSubject<WebSocketMessage, unknown>;
  readonly #host: LeaderHost;
  /** The tabs with subscribers: the socket is open while there is one. */
  readonly #users = new Set<TabId>();
  /** The tabs whose tab lock this leader waits for (granted: the tab is gone). */
  readonly #watched = new Set<TabId>();
  /** The last `seq` handed to the socket (or queued here) per tab: a re-sent message is not sent twice. */
  readonly #lastSeq = new Map<TabId, number>();
  /** Per topic key, how many multiplex() subscriptions each tab has: subscribed at the server while any. */
  readonly #topics = new Map<string, Map<TabId, number>>();
  #pending: PendingSend[] = [];
  /** The tab is going away: what comes now is not sent (nor acknowledged), so the next leader sends it. */
  #leaving = false;
  /** Leadership given up (the page froze): this leader posts nothing more and opens nothing. */
  #resigned = false;
  /** Aborts the waits for tab locks when leadership is given up. */
  readonly #watching = new AbortController();
  readonly #statusWatch: Subscription;
  #connection: Subscription | undefined;
  #status: MirroredStatus = { state: 'idle' };
  /** With a session: its part (lib/shared/leader-session.ts). */
  readonly #session: LeaderPart | undefined;

  /**
   * @param config the connection's config with identity serializer and raw deserializer (the tabs
   *   serialize and deserialize themselves).
   */
  constructor(config: WebSocketSubjectConfig<WebSocketMessage, unknown>, host: LeaderHost) {
    this.#host = host;
    const session = (this.#session = host.session?.leader({
      id: host.id,
      tabLocks: tabLockName(host.key, ''),
      gather: host.gather,
      post: (relay) => this.#post(relay),
      announce: () => this.#post(this.announcement),
      watch: (tab) => this.#watch(tab),
      watched: (tab) => this.#watched.has(tab),
      use: (from, active) => this.use(from, active),
      topic: (from, key) => this.#counts(from, { key, sub: true }),
      seen: (from, seq) => this.#lastSeq.set(from, Math.max(this.#lastSeq.get(from) ?? 0, seq)),
      queue: (messages, first) => {
        if (first) this.#pending = [...messages, ...this.#pending];
        else this.#pending.push(...messages);
        if (session!.ready) this.#flush();
      },
      reconcile: () => this.#reconcile(),
      get resigned() {
        return resigned();
      },
    }));
    const resigned = (): boolean => this.#resigned;
    this.#socket = webSocket(session ? { ...config, session: session.option } : config);
    let replayed = true; // the status now goes out with the leader's announcement
    this.#statusWatch = this.#socket.status$.subscribe((status) => {
      this.#status = mirrorStatus(status);
      if (status.state === 'open' && !session) this.#flush();
      if (!replayed) this.#post({ t: 'status', status: this.#status });
    });
    replayed = false;
    // Every tab's open$, close$ and error$ mirror the socket's events.
    this.#statusWatch.add(this.#socket.open$.subscribe(() => this.#post({ t: 'event', kind: 'open' })));
    this.#statusWatch.add(this.#socket.error$.subscribe(() => this.#post({ t: 'event', kind: 'error' })));
    this.#statusWatch.add(
      this.#socket.close$.subscribe(({ code, reason, wasClean }) => this.#post({ t: 'event', kind: 'close', close: { code, reason, wasClean } })),
    );
    if (session) this.#statusWatch.add(session.start(this.#socket));
  }

  /** The leader's announcement: its id, the status, and (with a session) the session's id, which tabs' seqs belong to. */
  get announcement(): Relay {
    const session = this.#session;
    return { t: 'leader', id: this.#host.id, status: this.#status, session: session?.id };
  }

  /** With a session: which tab's message got which seq and is not acknowledged yet (for a leaving leader's bequest). */
  get numbered(): Numbered[] {
    return this.#session?.numbered ?? [];
  }

  get status(): MirroredStatus {
    return this.#status;
  }

  /** A tab has subscribers (`active`), or has none left. */
  use(from: TabId, active: boolean): void {
    if (active) {
      this.#users.add(from);
      this.#watch(from);
    } else this.#users.delete(from);
    this.#reconcile();
  }

  /** A tab's message for the leader: its use, a message for the socket, a cleared queue. */
  receive(relay: Relay): void {
    if (relay.t === 'use') this.use(relay.from, relay.active);
    else if (relay.t === 'send') this.send(relay.from, relay.seq, relay.data, relay.topic);
    else if (relay.t === 'drop') this.drop(relay.from, relay.seq);
    else this.#session?.receive(relay);
  }

  /** This tab is being unloaded: take no more messages (their tabs re-send them to the next leader). */
  leave(): void {
    this.#leaving = true;
  }

  /**
   * Gives up leadership (the page is being frozen): takes no more messages, posts nothing more
   * (not even the close: the other tabs see a hand-over, not an end) and closes the socket (1000).
   */
  resign(): void {
    this.#leaving = this.#resigned = true;
    this.#statusWatch.unsubscribe();
    this.#watching.abort();
    const connection = this.#connection;
    this.#connection = undefined;
    // A session must not end (1000 would end it): the next leader resumes it.
    this.#session?.stop();
    if (this.#session) this.#socket.close(LEADER_FROZEN, 'leader frozen');
    connection?.unsubscribe();
  }

  /** Tab `from` cleared its queue up to `seq`: what of it waits here is not sent. */
  drop(from: TabId, seq: number): void {
    this.#pending = this.#pending.filter((p) => p.from !== from || p.seq > seq);
  }

  /** A tab's message: handed to the socket if it is open, otherwise kept for the next open. */
  send(from: TabId, seq: number, data: WebSocketMessage, topic: TopicChange | undefined): void {
    if (this.#leaving) return;
    const last = this.#lastSeq.get(from) ?? 0;
    if (seq <= last) {
      // Already sent (or queued here): the tab re-sent it because it had no ack yet.
      if (!this.#session && !this.#pending.some((p) => p.from === from && p.seq === seq)) this.#post({ t: 'ack', to: from, seq });
      return;
    }
    this.#lastSeq.set(from, seq);
    this.#watch(from);
    const toSocket = topic === undefined || this.#counts(from, topic) ? data : undefined;
    if ((this.#session ? this.#session.ready : this.#socket.state === 'open') && this.#pending.length === 0) this.#hand(from, seq, toSocket);
    else this.#pending.push({ from, seq, data: toSocket });
  }

  /** Counts a topic change; whether the server must see it (the first subscription, the last one leaving). */
  #counts(from: TabId, { key, sub }: TopicChange): boolean {
    let tabs = this.#topics.get(key);
    if (sub) {
      if (tabs === undefined) this.#topics.set(key, (tabs = new Map()));
      tabs.set(from, (tabs.get(from) ?? 0) + 1);
      return tabs.size === 1 && tabs.get(from) === 1;
    }
    const count = tabs?.get(from);
    if (tabs === undefined || count === undefined) return false; // not subscribed on this connection
    if (count > 1) tabs.set(from, count - 1);
    else tabs.delete(from);
    if (tabs.size > 0) return false;
    this.#topics.delete(key);
    return true;
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const { from, seq, data } of pending) this.#hand(from, seq, data);
  }

  #hand(from: TabId, seq: number, data: WebSocketMessage | undefined): void {
    // With a session the tab keeps it until the server acknowledges it (lib/shared/leader-session.ts).
    if (this.#session) return this.#session.hand(from, seq, data);
    if (data !== undefined) this.#socket.next(data);
    this.#post({ t: 'ack', to: from, seq });
  }

  #post(relay: Relay): void {
    if (!this.#resigned) this.#host.post(relay);
  }

  /** Waits for the tab's own lock: granted once the tab is gone (closed, crashed, discarded). */
  #watch(tab: TabId): void {
    if (tab === this.#host.id || this.#watched.has(tab)) return;
    this.#watched.add(tab);
    navigator.locks.request(tabLockName(this.#host.key, tab), { signal: this.#watching.signal }, () => this.#forget(tab)).catch(() => {}); // aborted: leadership given up
  }

  /** A tab is gone: it uses nothing any more. (Its topics stay subscribed at the server until the connection ends: the leader has no unsubscribe message for them.) */
  #forget(tab: TabId): void {
    this.#watched.delete(tab);
    this.#lastSeq.delete(tab);
    this.#pending = this.#pending.filter((p) => p.from !== tab);
    this.#session?.forget(tab);
    for (const [key, tabs] of this.#topics) if (tabs.delete(tab) && tabs.size === 0) this.#topics.delete(key);
    this.use(tab, false);
    this.#host.gone?.(tab);
  }

  /** Opens the socket while a tab uses it; closes it (1000) when none does. */
  #reconcile(): void {
    if (this.#resigned || this.#session?.gathering) return;
    if (this.#users.size > 0 && this.#connection === undefined) {
      const end = (relay: Relay): void => {
        this.#connection = undefined;
        // Every tab's subscribers end with the connection (a tab that subscribes again says so),
        // and the server's topic subscriptions with it.
        this.#users.clear();
        this.#topics.clear();
        this.#post(relay);
      };
      const session = this.#session;
      this.#connection = this.#socket.subscribe({
        next: (data) => {
          const seq = session?.take();
          this.#post(seq === undefined ? { t: 'msg', data } : { t: 'msg', data, seq });
        },
        error: (error: unknown) => {
          const { code = 1006, reason = '', wasClean = false } = error as { code?: number; reason?: string; wasClean?: boolean };
          end({ t: 'end', close: { code, reason, wasClean } });
        },
        complete: () => end({ t: 'end' }),
      });
    } else if (this.#users.size === 0 && this.#connection !== undefined) {
      const connection = this.#connection;
      this.#connection = undefined;
      this.#topics.clear();
      connection.unsubscribe(); // the last subscriber leaving closes it with 1000
    }
  }
}
