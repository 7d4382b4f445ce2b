// A tab's part of a shared resumable session (docs/shared.md, "Sessions"): what it knows of the
// session (its id, the last server seq it received: relayed duplicates are dropped), the seqs its
// messages got, its session$, and the states it gives a new leader (or, leaving as leader, bequeaths).
import type { Numbered, Relay, TabId, TabState } from './protocol.js';
import type { TabPart, TabPartHost } from './session-parts.js';

/** @internal (see the header) */
export class TabSession implements TabPart {
  readonly #host: TabPartHost;
  /** The session this tab's seqs belong to (null: none known). */
  #id: string | null = null;
  /** The last session seq this tab received (undefined: none yet in this session). */
  #seen: number | undefined;
  /** What leader tabs that went away (pagehide) left for the next leader. */
  readonly #bequests = new Map<TabId, TabState>();

  constructor(host: TabPartHost) {
    this.#host = host;
  }

  followed(leader: TabId, session: string | null | undefined): void {
    if (this.#id === null && session) this.#id = session;
    if (leader !== this.#host.id) this.#bequests.clear();
  }

  receive(relay: Relay): boolean {
    const host = this.#host;
    switch (relay.t) {
      case 'seq':
        if (relay.to !== host.id) return true;
        for (const m of host.outbox) if (m.seq === relay.seq) m.sent = relay.sent;
        // A leader tab sends it once this tab heard (so that a crash of the leader cannot make it go twice).
        if (!host.leads && !host.viaWorker && host.leaderId !== undefined) host.post({ t: 'numbered', from: host.id, to: host.leaderId, seq: relay.seq, sent: relay.sent });
        return true;
      case 'session':
        if (relay.kind === 'new' || relay.id !== this.#id) this.#seen = 0;
        this.#id = relay.id;
        this.#host.events.next({ kind: relay.kind, id: relay.id });
        return true;
      case 'lost': {
        if (relay.to !== host.id) return true;
        const lost = new Set(relay.seqs);
        const unacknowledged = host.outbox.filter((m) => lost.has(m.seq)).map((m) => m.data);
        host.outbox = host.outbox.filter((m) => !lost.has(m.seq));
        this.#host.events.next({ kind: 'lost', id: relay.id, unacknowledged });
        return true;
      }
      case 'bequest':
        if (relay.state.from !== host.id) this.#bequests.set(relay.state.from, relay.state);
        return true;
      default:
        return false;
    }
  }

  fresh(seq: number): boolean {
    if (this.#seen !== undefined && seq <= this.#seen) return false; // a session's replay of what this tab has
    this.#seen = seq;
    // A follower tells a leader tab it has it: the session acknowledges no more than every tab has.
    const host = this.#host;
    if (!host.leads && !host.viaWorker && host.leaderId !== undefined) host.post({ t: 'got', from: host.id, to: host.leaderId, seq });
    return true;
  }

  state(): TabState {
    const host = this.#host;
    // (A copy: the leader tab's own state is not cloned by a channel, and its outbox goes on changing.)
    return { from: host.id, session: this.#id, seen: this.#seen, outbox: host.outbox.map((m) => ({ ...m })), active: host.active, topics: host.topics() };
  }

  bequests(): TabState[] {
    const bequests = [...this.#bequests.values()];
    this.#bequests.clear();
    return bequests;
  }

  bequeath(numbered: Numbered[]): void {
    // (What it received says nothing of the others.)
    this.#host.post({ t: 'bequest', state: { ...this.state(), seen: undefined, numbered } });
  }
}
