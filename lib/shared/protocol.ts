// What the tabs of one shared connection say to each other over their BroadcastChannel. Every
// value is structured-cloned by the platform: only plain data, already serialized for the socket.
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { ConnectionState } from '../subject/connection-state.js';
import type { BinaryType } from '../websocket/constants.js';

/** A tab's id: random, for the life of one `sharedWebSocket()` in one tab. */
export type TabId = string;

/** The connection's status as tabs mirror it: the state and its numbers, without the cause object. */
export interface MirroredStatus {
  readonly state: ConnectionState;
  readonly attempt?: number;
  readonly delay?: number;
  readonly at?: number;
  readonly code?: number;
  /** A reconnect's wait: as the server asked (`'retry-after'`), or the backoff's. */
  readonly reason?: 'retry-after' | 'backoff';
  /** An open connection's last heartbeat round trip, in ms. */
  readonly latency?: number;
}

/** A multiplex() control message: `key` names the topic (its serialized subscribe message). */
export interface TopicChange {
  readonly key: string;
  readonly sub: boolean;
}

/** A message of this tab not yet acknowledged by the leader (handed to its open socket). */
export interface Outgoing {
  readonly seq: number;
  readonly data: WebSocketMessage;
  readonly topic?: TopicChange;
  /** With a session: the seq the session gave it (the leader said so before sending it). */
  sent?: number;
}

/**
 * With a session, what a tab tells a new leader (in reply to its announcement): the session it
 * knows, the last seq it received there, its unacknowledged messages (with their session seq
 * where the old leader gave one), whether it uses the connection, and its live topics' keys.
 */
export interface TabState {
  readonly from: TabId;
  readonly session: string | null;
  readonly seen: number | undefined;
  readonly outbox: readonly Outgoing[];
  readonly active: boolean;
  readonly topics: readonly string[];
  /** A leaving leader's (in its bequest): the seq its session gave each tab's message not yet acknowledged, should a tab not have heard it yet. */
  readonly numbered?: readonly Numbered[];
}

/** Tab `from`'s message `seq` got the session's seq `sent`. */
export interface Numbered {
  readonly from: TabId;
  readonly seq: number;
  readonly sent: number;
}

/** A live `multiplex()` subscription: its topic is subscribed again on a new leader's socket. */
export interface Topic {
  readonly subMsg: () => unknown;
  /** The topic's name among tabs: its serialized subscribe message (a string), if it is one. */
  readonly key: string | undefined;
  seq: number;
}

/** How the leader's connection ended, for every tab's subscribers (no close info: completed). */
export interface MirroredEnd {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What a tab tells a SharedWorker first: the connection it wants (the worker makes it on first use). */
export interface WorkerConnect {
  readonly key: string;
  readonly url: string;
  readonly protocol?: string | string[];
  readonly binaryType?: BinaryType;
  /** `resumable()`'s options, when the connection is a session (the worker makes its own `resumable()`). */
  readonly session?: object;
}

/** The leader's id when a SharedWorker owns the socket (a tab's id is a UUID). */
export const WORKER: TabId = 'worker';

export type Relay =
  /** A tab starts and asks who leads. */
  | { readonly t: 'hello'; readonly from: TabId }
  /** A tab connects to the SharedWorker (its port's first message). */
  | { readonly t: 'connect'; readonly from: TabId; readonly connect: WorkerConnect }
  /** The leader announces itself (on election, and in reply to `hello`), with the status now. */
  | { readonly t: 'leader'; readonly id: TabId; readonly status: MirroredStatus; readonly session?: string | null }
  /** A tab tells the leader whether it has subscribers (uses the connection). */
  | { readonly t: 'use'; readonly from: TabId; readonly to: TabId; readonly active: boolean }
  /**
   * A tab's message for the socket, serialized in that tab; `seq` grows by one per message.
   * `topic`: a multiplex() subscribe or unsubscribe message, sent only by the first tab to
   * subscribe to the topic `key` and the last to leave it.
   */
  | { readonly t: 'send'; readonly from: TabId; readonly to: TabId; readonly seq: number; readonly data: WebSocketMessage; readonly topic?: TopicChange }
  /** The leader handed every message of tab `to` up to `seq` to its open socket. */
  | { readonly t: 'ack'; readonly to: TabId; readonly seq: number }
  /** A message from the server, as the socket gave it (before any deserializer); `seq`: its session seq (tabs drop what they saw). */
  | { readonly t: 'msg'; readonly data: unknown; readonly seq?: number }
  /** The connection's status changed. */
  | { readonly t: 'status'; readonly status: MirroredStatus }
  /** The connection ended: subscribers error (`close`) or complete (no `close`). */
  | { readonly t: 'end'; readonly close?: MirroredEnd }
  /** The leader's socket fired `open`, `error` or `close` (with its close info): for every tab's open$, error$, close$. */
  | { readonly t: 'event'; readonly kind: 'open' | 'error' | 'close'; readonly close?: MirroredEnd }
  /** The leader gave up leadership (its page is being frozen): the next tab in line leads. */
  | { readonly t: 'resign'; readonly id: TabId }
  /** Tab `from` cleared its queue: the leader drops what of it (up to `seq`) still waits for the socket. */
  | { readonly t: 'drop'; readonly from: TabId; readonly to: TabId; readonly seq: number }
  /** With a session: tab `to`'s message `seq` gets the session's `sent` (0: nothing to send, only to acknowledge). */
  | { readonly t: 'seq'; readonly to: TabId; readonly seq: number; readonly sent: number }
  /** With a session: tab `from` heard that its message `seq` gets `sent` (a leader tab sends it only then). */
  | { readonly t: 'numbered'; readonly from: TabId; readonly to: TabId; readonly seq: number; readonly sent: number }
  /** With a session: tab `from` has every server message up to `seq` (the leader tab acknowledges no more than every tab has). */
  | { readonly t: 'got'; readonly from: TabId; readonly to: TabId; readonly seq: number }
  /** With a session: a tab's state, for a new leader (see {@link TabState}). */
  | ({ readonly t: 'state'; readonly to: TabId } & TabState)
  /** With a session: the leader tab is going away (pagehide): its own unacknowledged messages, for the next leader. */
  | { readonly t: 'bequest'; readonly state: TabState }
  /** With a session: a session event (`new`, `resumed`) for every tab's session$. */
  | { readonly t: 'session'; readonly kind: 'new' | 'resumed'; readonly id: string }
  /** With a session: the server no longer knows session `id`: tab `to`'s messages `seqs` are lost. */
  | { readonly t: 'lost'; readonly to: TabId; readonly id: string; readonly seqs: readonly number[] };

/** The lock a tab holds while it lives: the leader waits for it to learn that the tab is gone. */
export function tabLockName(key: string, tab: TabId): string {
  return `${key}:tab:${tab}`;
}

/** The lock and channel name: one per `name` and URL (the platform scopes both to the origin). */
export function sharedKey(name: string, url: string): string {
  return `rxws.shared:${name}:${url}`;
}
