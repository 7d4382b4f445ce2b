// The leader's part of a shared resumable session (docs/shared.md, "Sessions"): which tab's
// message got which session seq (told to the tab, in a leader tab confirmed, before it goes),
// what the server acknowledged, the seq of each message relayed to the tabs, what every tab has
// (the session acknowledges no more), and, at a hand-over, the tabs' states the new leader
// resumes the session from.
import type { Subscription } from 'rxjs';
import type { EngineSession, SessionEvent, SessionOption, SessionTap } from '../subject/features.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { Numbered, Relay, TabId, TabState } from './protocol.js';
import type { LeaderPart, LeaderPartHost } from './session-parts.js';

/** How long a new leader waits for a live tab's state (a frozen tab never answers; it tells its state when it resumes). */
const GATHER_TIMEOUT = 2_000;
/** How long a message waits for its tab to confirm it heard its seq, and how long a silent tab holds back acknowledgements (a frozen tab does not answer). */
const CONFIRM_TIMEOUT = 1_000;

/** A tab's message the leader handed to the session (or gathered at a hand-over), not yet acknowledged by the server. */
export interface Entry {
  readonly from: TabId;
  /** Its seq in its tab. */
  readonly seq: number;
  /** undefined: nothing to send (a topic another tab holds), only to acknowledge. */
  readonly data: WebSocketMessage | undefined;
  /** The session's seq for it (0: nothing sent); undefined: not numbered yet. */
  sent?: number;
  /** Written to the socket with `sent` (or, gathered, by the old leader's session): the server's acknowledgement may cover it. */
  out?: boolean;
  /** Its tab heard its seq (or need not): it may go to the socket. */
  confirmed?: boolean;
}

/** @internal (see the header) */
export class LeaderSession implements SessionTap, LeaderPart {
  readonly #host: LeaderPartHost;
  readonly option: SessionOption;
  #session: EngineSession | undefined;
  #socket: WebSocketSubject<WebSocketMessage, unknown> | undefined;
  /** Handed to the session (or gathered), oldest first, until the server acknowledges them. */
  #log: Entry[] = [];
  /** The entries of #log the session has not numbered yet, in the order it will. */
  #unsent: Entry[] = [];
  /** The session's id, once welcomed (null: none, or it ended). */
  id: string | null = null;
  /** Until the first welcome: what is in #log was gathered (the session has not sent it). */
  #fresh = true;
  /** The server's count at the first welcome: gathered seqs up to it were received. */
  #welcomed = 0;
  /** The seq of the message the engine delivers next (undefined: an unsequenced one). */
  #incoming: number | undefined;
  /** The last seq given (told to a tab ahead of the session's numbering, which goes in the same order). */
  #given = 0;

  /** A first welcome came (until then messages wait at the leader, after what was gathered). */
  ready = false;
  /** The tabs' states gathered so far (undefined: gathering is over, or none). */
  #gathering: Map<TabId, TabState> | undefined;
  /** Checks whether the gathering is complete (while gathering). */
  #gathered = (): void => {};
  /** In a leader tab: messages whose tab was told their seq, in that order, until it confirms (then they go to the socket). */
  #confirming: Entry[] = [];
  #confirmTimer: ReturnType<typeof setTimeout> | undefined;
  /** In a leader tab: the last server message each tab confirmed it has, and when. */
  readonly #got = new Map<TabId, { seq: number; at: number }>();

  /** @param option the `resumable()` to share: the leader's webSocket() gets it with its session tapped by this. */
  constructor(host: LeaderPartHost, option: SessionOption) {
    this.#host = host;
    this.option = {
      ...option,
      create: (engine) => {
        const session = option.create(engine);
        session.tap = this;
        return (this.#session = session);
      },
    };
  }

  #post(relay: Relay): void {
    this.#host.post(relay);
  }

  get gathering(): boolean {
    return this.#gathering !== undefined;
  }

  start(socket: WebSocketSubject<WebSocketMessage, unknown>): Subscription {
    this.#socket = socket;
    const subscription = socket.session$.subscribe((event) => {
      // (Inside the welcome, before the engine flushes its queue: what goes to it now goes first.)
      const again = this.#event(event);
      if (event.kind === 'lost' || this.ready) return;
      this.ready = true;
      this.#host.queue(again, true);
    });
    const gather = this.#host.gather;
    if (gather) this.#gather(gather.bequests);
    return subscription;
  }

  /** Waits for the state of every live tab (their tab locks are held), or their going, or the timeout; then resumes from them. */
  #gather(bequests: readonly TabState[]): void {
    const host = this.#host;
    const gathering = (this.#gathering = new Map<TabId, TabState>());
    const prefix = host.tabLocks;
    let live: Set<TabId> | undefined;
    let done = false;
    const finish = (): void => {
      if (done || host.resigned) return;
      done = true;
      clearTimeout(timer);
      this.#gathering = undefined;
      this.#resume([...bequests.filter((b) => !gathering.has(b.from)), ...gathering.values()]);
      host.reconcile();
    };
    this.#gathered = () => {
      if (live && [...live].every((tab) => gathering.has(tab) || !host.watched(tab))) finish();
    };
    const timer = setTimeout(finish, GATHER_TIMEOUT);
    // Announced only after this round trip, so that what the old leader told this tab before it went has arrived.
    navigator.locks.query().then(
      ({ held = [] }) => {
        if (host.resigned) return;
        host.announce();
        live = new Set(held.map((lock) => lock.name ?? '').filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length)));
        for (const tab of live) host.watch(tab);
        this.#gathered();
      },
      () => {
        host.announce();
        finish();
      },
    );
  }

  receive(relay: Relay): void {
    if (relay.t === 'state') this.#state(relay);
    else if (relay.t === 'numbered') this.#confirm(relay.from, relay.seq, relay.sent);
    else if (relay.t === 'got') this.#got.set(relay.from, { seq: relay.seq, at: Date.now() });
  }

  /** A tab's state: gathered, or, after the gathering, taken as it comes. */
  #state(state: TabState): void {
    const host = this.#host;
    const { from, outbox, active, topics, seen } = state;
    if (from !== host.id) host.watch(from);
    if (seen !== undefined) this.#got.set(from, { seq: seen, at: Date.now() });
    host.seen(from, Math.max(0, ...outbox.map((m) => m.seq)));
    for (const key of topics) host.topic(from, key);
    host.use(from, active);
    const gathering = this.#gathering;
    if (gathering) {
      gathering.set(from, state);
      return this.#gathered();
    }
    host.queue(this.#late(state), false);
  }

  /** A tab is gone: its messages not yet sent go (none will send them twice); the gathering waits for it no more. */
  forget(tab: TabId): void {
    for (const e of this.#confirming) if (e.from === tab) e.confirmed = true;
    this.#release();
    this.#gathered();
  }

  stop(): void {
    clearTimeout(this.#confirmTimer);
  }

  /**
   * The most the session may acknowledge of `received`: the least any live tab confirmed it has
   * (a tab silent for CONFIRM_TIMEOUT, frozen, does not hold it back). A SharedWorker outlives its tabs: all of it.
   */
  ackable(received: number): number {
    if (!this.#host.gather) return received;
    const now = Date.now();
    let ackable = received;
    for (const [tab, { seq, at }] of this.#got) if (seq < ackable && now - at < CONFIRM_TIMEOUT && this.#host.watched(tab)) ackable = seq;
    return ackable;
  }

  /**
   * A tab's message goes to the session: its tab hears its seq first and, in a leader tab,
   * confirms before it goes (its own, a gone tab's and a SharedWorker's need no confirmation).
   */
  hand(from: TabId, seq: number, data: WebSocketMessage | undefined): void {
    const entry = this.#handed(from, seq, data);
    if (data === undefined) return;
    const host = this.#host;
    if (from === host.id || !host.gather || !host.watched(from)) entry.confirmed = true;
    this.#confirming.push(entry);
    this.#release();
  }

  /** Tab `from` heard that its message `seq` gets `sent`: the messages confirmed so far go to the socket, in order. */
  #confirm(from: TabId, seq: number, sent: number): void {
    const entry = this.#confirming.find((e) => e.from === from && e.seq === seq);
    if (entry?.sent === sent) entry.confirmed = true;
    this.#release();
  }

  #release(): void {
    const confirming = this.#confirming;
    let n = 0;
    while (n < confirming.length && confirming[n]!.confirmed) this.#socket!.next(confirming[n++]!.data!);
    if (n > 0) {
      confirming.splice(0, n);
      clearTimeout(this.#confirmTimer);
      this.#confirmTimer = undefined;
    }
    if (confirming.length === 0 || this.#confirmTimer !== undefined) return;
    // A tab that does not answer (frozen): its message goes anyway (should that tab lead next before hearing it, it may be sent twice).
    this.#confirmTimer = setTimeout(() => {
      this.#confirmTimer = undefined;
      if (confirming[0]) confirming[0].confirmed = true;
      this.#release();
    }, CONFIRM_TIMEOUT);
  }

  /**
   * Message `data` of tab `from` will go to the session (`data` undefined: nothing to send, only
   * to acknowledge): its tab is told the seq the session will give it (the session numbers in
   * this order), before the message may reach the socket.
   */
  #handed(from: TabId, seq: number, data: WebSocketMessage | undefined): Entry {
    if (data === undefined) {
      const entry: Entry = { from, seq, data, sent: 0, out: true, confirmed: true };
      this.#log.push(entry);
      return entry;
    }
    const entry: Entry = { from, seq, data, sent: ++this.#given };
    this.#log.push(entry);
    this.#unsent.push(entry);
    this.#post({ t: 'seq', to: from, seq, sent: entry.sent! });
    return entry;
  }

  /** What the session numbered and the server has not acknowledged: which tab's message got which seq. */
  get numbered(): Numbered[] {
    const numbered: Numbered[] = [];
    for (const { from, seq, sent } of this.#log) if (sent !== undefined && sent > 0) numbered.push({ from, seq, sent });
    return numbered;
  }

  /** The seq of the server message the engine delivers now (and forgets it). */
  take(): number | undefined {
    const seq = this.#incoming;
    this.#incoming = undefined;
    return seq;
  }

  // ---- the session's tap ------------------------------------------------------------------

  sent(seq: number): void {
    const entry = this.#unsent.shift();
    if (entry === undefined) return;
    entry.out = true;
    if (entry.sent === seq) return;
    // (Only after a session's clean end or loss: the numbering started again.) The tabs hear the real seqs.
    this.#given = seq;
    entry.sent = seq;
    this.#post({ t: 'seq', to: entry.from, seq: entry.seq, sent: seq });
    for (const e of this.#unsent) this.#post({ t: 'seq', to: e.from, seq: e.seq, sent: (e.sent = ++this.#given) });
  }

  acknowledged(ack: number): void {
    if (this.#fresh) this.#welcomed = ack; // (before the first welcome, only a resume's welcome acknowledges)
    const log = this.#log;
    if (log.length === 0 || !log.some((e) => e.out && e.sent! <= ack)) return;
    const done = new Map<TabId, number>();
    this.#log = log.filter((e) => {
      if (!e.out || e.sent! > ack) return true;
      done.set(e.from, Math.max(done.get(e.from) ?? 0, e.seq));
      return false;
    });
    // A tab's messages are acknowledged in its order: up to the first one still waiting.
    for (const [tab, last] of done) {
      const waiting = this.#log.find((e) => e.from === tab);
      const seq = waiting === undefined ? last : Math.min(last, waiting.seq - 1);
      if (seq > 0) this.#post({ t: 'ack', to: tab, seq });
    }
  }

  received(seq: number): void {
    this.#incoming = seq;
  }


  // ---- session events ---------------------------------------------------------------------

  /**
   * A session event of the leader's socket: relayed to the tabs (a loss to each tab, with its own
   * messages). After the first welcome, returns what was gathered and must now be sent (the
   * session renumbers on from the server's count), oldest first.
   */
  #event(event: SessionEvent): Entry[] {
    if (event.kind === 'lost') {
      // Every message the session had and the server did not acknowledge: none is sent again.
      // (Those still waiting here for their tab's confirmation never reached it: they go in the new session.)
      const waiting = this.#confirming;
      const lost = new Map<TabId, number[]>();
      for (const e of this.#log) if (!waiting.includes(e)) lost.set(e.from, [...(lost.get(e.from) ?? []), e.seq]);
      this.#log = [...waiting];
      for (const [to, seqs] of lost) this.#post({ t: 'lost', to, id: event.id, seqs });
      return [];
    }
    this.id = event.id;
    this.#post({ t: 'session', kind: event.kind, id: event.id });
    if (!this.#fresh) {
      if (event.kind === 'new') {
        // After a loss, or a session that ended with a clean close (the server read what was sent
        // on it): numbering starts again at 1; the tabs hear the new seqs of what waits.
        this.acknowledged(Number.MAX_SAFE_INTEGER);
        this.#unsent = this.#log.filter((e) => !e.out);
        this.#given = 0;
        for (const e of this.#unsent) this.#post({ t: 'seq', to: e.from, seq: e.seq, sent: (e.sent = ++this.#given) });
      }
      return [];
    }
    this.#fresh = false;
    // (A resume's welcome acknowledged what the server has: what is left was never received, and is numbered on from there.)
    if (event.kind === 'new') this.#welcomed = 0;
    this.#given = this.#welcomed;
    const again = this.#log;
    this.#log = [];
    this.#unsent = [];
    return again;
  }

  // ---- a new leader's states ----------------------------------------------------------------

  /**
   * The tabs' states a new leader gathered: the session to resume (the lowest seq any tab has
   * received) and the messages to replay, those numbered by the old leader first (in their
   * order), then the others in each tab's order.
   */
  #resume(states: readonly TabState[]): void {
    const id = states.find((s) => s.session !== null)?.session ?? null;
    let received: number | undefined;
    for (const s of states) if (s.session === id && s.seen !== undefined) received = Math.min(received ?? s.seen, s.seen);
    // A tab that had not heard the seq of a message yet (the old leader's relay was still on its way): the leaving leader's numbering says.
    const known = new Map<string, number>();
    for (const s of states) for (const n of s.numbered ?? []) known.set(`${n.from} ${n.seq}`, n.sent);
    const told = states.map((s) => ({ ...s, outbox: s.outbox.map((m) => (m.sent === undefined && known.has(`${s.from} ${m.seq}`) ? { ...m, sent: known.get(`${s.from} ${m.seq}`) } : m)) }));
    this.#seedId = id;
    this.#take(told, id);
    if (id !== null) this.#session?.seed?.(id, received ?? 0);
  }

  /**
   * A tab's state that came after the gathering: before the first welcome it joins what was
   * gathered; after it, its messages the server received are acknowledged, the rest returned (to send as new).
   */
  #late(state: TabState): Entry[] {
    if (this.#fresh) {
      this.#take([state], this.#seedId);
      return [];
    }
    const again: Entry[] = [];
    let acked = 0;
    for (const m of state.outbox) {
      if (state.session === this.id && this.id !== null && m.sent !== undefined && m.sent > 0 && m.sent <= this.#welcomed) acked = m.seq;
      else again.push({ from: state.from, seq: m.seq, data: m.data });
    }
    if (acked > 0) this.#post({ t: 'ack', to: state.from, seq: acked });
    return again;
  }

  /** The session a hand-over resumes (gathered messages numbered in it keep their place). */
  #seedId: string | null = null;

  /** Adds states' messages to #log: numbered (by the session `id`) first, in their order; then the others. */
  #take(states: readonly TabState[], id: string | null): void {
    const numbered = this.#log.filter((e) => e.sent !== undefined);
    const others = this.#log.filter((e) => e.sent === undefined);
    for (const s of states) {
      for (const m of s.outbox) {
        if (s.session === id && id !== null && m.sent !== undefined && m.sent > 0) numbered.push({ from: s.from, seq: m.seq, data: m.data, sent: m.sent, out: true });
        else others.push({ from: s.from, seq: m.seq, data: m.data });
      }
    }
    numbered.sort((a, b) => a.sent! - b.sent!);
    this.#log = [...numbered, ...others];
  }
}
