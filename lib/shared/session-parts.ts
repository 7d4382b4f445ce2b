// What `sharedSession()` plugs into a shared connection (types only: the session's code is bundled
// only where `sharedSession` is imported). lib/shared/leader-session.ts is the leader's part,
// lib/shared/tab-session.ts each tab's.
import type { Observable, Subject, Subscription } from 'rxjs';
import type { SessionEvent, SessionOption } from '../subject/features.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { Numbered, Outgoing, Relay, TabId, TabState } from './protocol.js';

/**
 * A resumable session made shareable by `sharedSession()` (rxws/shared), for the `session` key of
 * `sharedWebSocket()`'s config. Opaque.
 */
export interface SharedSession {
  /** @internal The `resumable()` it shares. */
  readonly option: SessionOption;
  /** @internal The leader's part. */
  leader(host: LeaderPartHost): LeaderPart;
  /** @internal A tab's part. */
  tab(host: TabPartHost): TabPart;
}

/** A message waiting at the leader. `data` undefined: nothing to send (a topic another tab holds), only to acknowledge. */
export interface PendingSend {
  readonly from: TabId;
  readonly seq: number;
  readonly data: WebSocketMessage | undefined;
}

/** @internal What the leader's part may use of its leader. */
export interface LeaderPartHost {
  readonly id: TabId;
  /** The prefix of the tabs' own lock names (protocol.ts's tabLockName(key, '')). */
  readonly tabLocks: string;
  /** A leader tab gathers the tabs' states first (with what leaders that left bequeathed); a SharedWorker does not. */
  readonly gather: { readonly bequests: readonly TabState[] } | undefined;
  post(relay: Relay): void;
  /** The leader's announcement, as it is now. */
  announce(): void;
  watch(tab: TabId): void;
  watched(tab: TabId): boolean;
  use(from: TabId, active: boolean): void;
  /** A tab's live topic (counted, not sent). */
  topic(from: TabId, key: string): void;
  /** The last seq of a tab the leader has (a `send` at or below it is not taken again). */
  seen(from: TabId, seq: number): void;
  /** Queues messages for the session (`first`: before what waits), or hands them at once when ready. */
  queue(messages: readonly PendingSend[], first: boolean): void;
  reconcile(): void;
  readonly resigned: boolean;
}

/** @internal The leader's part (see lib/shared/leader-session.ts). */
export interface LeaderPart {
  /** The `session` option of the leader's webSocket(). */
  readonly option: SessionOption;
  /** Watches the socket's session events; starts gathering. */
  start(socket: WebSocketSubject<WebSocketMessage, unknown>): Subscription;
  readonly id: string | null;
  readonly numbered: Numbered[];
  /** A first welcome came: messages may go to the session. */
  readonly ready: boolean;
  /** Gathering the tabs' states: the socket does not open yet. */
  readonly gathering: boolean;
  /** `state`, `numbered` and `got` relays. */
  receive(relay: Relay): void;
  /** A tab's message goes to the session. */
  hand(from: TabId, seq: number, data: WebSocketMessage | undefined): void;
  /** The seq of the server message being delivered. */
  take(): number | undefined;
  /** A tab is gone. */
  forget(tab: TabId): void;
  stop(): void;
}

/** @internal What a tab's part may use of its tab. */
export interface TabPartHost {
  /** Where the tab's `session$` events go (the shared subject's own, so that `session$` works before a lazily loaded part exists). */
  readonly events: Subject<SessionEvent>;
  readonly id: TabId;
  post(relay: Relay): void;
  readonly leaderId: TabId | undefined;
  /** This tab leads (its leader's relays reach it directly). */
  readonly leads: boolean;
  /** A SharedWorker leads (it needs no confirmations). */
  readonly viaWorker: boolean;
  outbox: Outgoing[];
  readonly active: boolean;
  topics(): string[];
}

/** @internal A tab's part (see lib/shared/tab-session.ts). */
export interface TabPart {
  /** A leader announced itself, with the session it knows. */
  followed(leader: TabId, session: string | null | undefined): void;
  /** `seq`, `session`, `lost`, `bequest`: handled (true) or not this part's. */
  receive(relay: Relay): boolean;
  /** A server message's seq: whether this tab has not had it yet (then it is told to the leader). */
  fresh(seq: number): boolean;
  state(): TabState;
  /** The bequests of leaders that left, for this tab should it lead now (and forgotten). */
  bequests(): TabState[];
  /** This leader tab is going away: its state, for the next leader. */
  bequeath(numbered: Numbered[]): void;
}
