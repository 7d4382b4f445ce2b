// Where the server side of rxws.session.v1 keeps its sessions (docs/sessions.md, "SessionStore"):
// the interface a shared store (Redis, for a fleet of processes) implements, and the default one,
// in this process's memory.
import type { SessionPayload } from '../session/protocol.js';
import { ReplayLog, type StoredMessage } from './replay-log.js';

export type { StoredMessage };

/** A value, or a promise of it: every {@link SessionStore} method may answer either way. */
export type Awaitable<T> = T | PromiseLike<T>;

/** A session's state, as a {@link SessionStore} keeps it. */
export interface SessionRecord {
  /** The session id (128 random bits, base64url). */
  readonly id: string;
  /** Who the session belongs to (`identify(request)`'s answer as a string), or null when the application does not say. */
  readonly identity: string | null;
  /** The highest sequence number the server received from the client (0: none). */
  readonly received: number;
  /** The sequence number of the last message the server sent (0: none). */
  readonly sent: number;
  /** The server's messages not yet acknowledged by the client, oldest first (their seq numbers end at `sent`). */
  readonly replay: readonly StoredMessage[];
  /** When the session expires (ms since the epoch) unless a connection resumes it first; null while a connection holds it. */
  readonly expiresAt: number | null;
}

/** What {@link SessionStore.claim} answers: the session as last saved, and its inbox. */
export interface ClaimedSession extends SessionRecord {
  /**
   * The messages given to {@link SessionStore.publish} that no holder has saved (numbered) yet, in
   * order. They now belong to the claimer, which removes them as it saves them
   * ({@link SessionChange.inboxTaken}).
   */
  readonly inbox: readonly SessionPayload[];
}

/** A change a holder saves with {@link SessionStore.update}; every field is optional. */
export interface SessionChange {
  /** The new highest sequence number received from the client. */
  readonly received?: number;
  /** Messages just numbered (in seq order, following `sent`): appended to `replay`; `sent` becomes the last one's seq. */
  readonly append?: readonly StoredMessage[];
  /** The client acknowledged every message up to this seq: they leave `replay`. */
  readonly acknowledged?: number;
  /** The session's connection ended: it expires at this time (ms since the epoch) unless claimed before; null: a connection holds it. */
  readonly expiresAt?: number | null;
  /**
   * The first `inboxTaken` messages of the inbox leave it: the holder numbered them (they are in
   * this change's `append`, or an earlier one) or dropped them. Removed in the same save as their
   * append, never before, so a claim in between finds them still in the inbox, in order.
   */
  readonly inboxTaken?: number;
}

/**
 * What a {@link SessionStore} tells those who {@link SessionStore.watch} a session:
 * `'published'` (something was published for it: its holder reads it with
 * {@link SessionStore.readInbox}), `'claimed'` (a connection resumed it for `holder`: every other
 * holder lost it), `'ended'` (on purpose, `'closed'`: a close 1000; or `'expired'`).
 */
export type SessionStoreEvent =
  | {
      /** Something was published for the session. */
      readonly type: 'published';
    }
  | {
      /** The session was claimed. */
      readonly type: 'claimed';
      /** The holder that claimed it. */
      readonly holder: string;
    }
  | {
      /** The session ended. */
      readonly type: 'ended';
      /** `'closed'` on purpose (a close 1000), or `'expired'`. */
      readonly reason: 'closed' | 'expired';
    };

/**
 * Where `acceptSessions()` keeps its sessions' state, so that a connection resuming a session
 * can be served by whichever server reads the same store: the same process after a restart of its
 * `WebSocketServer` ({@link memorySessionStore}, the default), or another process of a fleet
 * (a shared store such as Redis).
 *
 * **The design.** A session is *held* by one `Session` object at a time (its `holder` token, a
 * random string): the one whose connection last resumed it ({@link claim}). The holder alone
 * numbers the server's messages, and saves as it goes ({@link update}): each message it sends
 * (the replay buffer), each message it receives (`received`), each acknowledgement, and when its
 * connection ends (`expiresAt`). A `Session` elsewhere (a process the client has left) does not
 * send: its `next()` goes to {@link publish}, which the store queues in the session's inbox and
 * signals to the holder ({@link watch}: `'published'`, then {@link readInbox}). The holder numbers
 * inbox messages like its own, and the save that appends them to the replay buffer also removes
 * them from the inbox (`inboxTaken`); until then they stay there, so that whoever claims the
 * session next finds them, in publishing order. A claim signals `'claimed'` to the previous holder (which closes its
 * connection with 4409, if it still has one, and stops sending), and the end of a session
 * (`'ended'`) to every watcher.
 *
 * Every method may return a promise; a `Session` calls them one at a time, in order, and sends a
 * message only after its `append` was saved (a store that answers synchronously, as the memory
 * one does, costs no turn of the event loop). Methods that change a session take the caller's
 * `holder` and do nothing (answering false) when it no longer holds the session.
 *
 * @example
 * // The default: one store in this process. Give the same store to a new WebSocketServer
 * // (a restart) and it resumes the sessions that have not expired.
 * const store = memorySessionStore();
 * acceptSessions(wss, { store }).subscribe(serve);
 */
export interface SessionStore {
  /**
   * Saves a new session (held by `holder`, with a connection: `expiresAt` null).
   *
   * @example
   * await store.create({ id, identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, holder);
   */
  create(record: SessionRecord, holder: string): Awaitable<void>;
  /**
   * Takes the session for `holder` (a connection is resuming it): answers its state as last saved
   * and its inbox (which stays in the store), marks it connected (`expiresAt` null) and signals
   * `'claimed'` to the watchers when the holder changes. Answers undefined, changing nothing, when the session is
   * unknown, has expired (`expiresAt` ≤ `now`), or belongs to another identity (the caller then
   * answers `new`, and the session stays as it was).
   *
   * @example
   * const session = await store.claim(id, holder, identity, Date.now());
   */
  claim(id: string, holder: string, identity: string | null, now: number): Awaitable<ClaimedSession | undefined>;
  /**
   * Saves the holder's `change`; answers false (and changes nothing) when `holder` does not hold
   * the session (anymore), or it is unknown.
   *
   * @example
   * store.update(id, holder, { append: [{ seq: 7, payload: '{"filled":1}' }] });
   */
  update(id: string, holder: string, change: SessionChange): Awaitable<boolean>;
  /**
   * Queues `payload` for the session's holder (from a `Session` that does not hold it) and signals
   * `'published'`; answers false when the session is unknown or has ended. The inbox keeps the
   * order of each publisher's calls.
   *
   * @example
   * store.publish(id, '{"notice":"maintenance at 02:00"}');
   */
  publish(id: string, payload: SessionPayload): Awaitable<boolean>;
  /**
   * Answers the inbox from its `from`-th message on (0: the oldest; the holder skips the ones it
   * has read and not removed yet), for its holder; empty for anyone else. Removes nothing: the
   * holder's `update` with `inboxTaken` does.
   *
   * @example
   * for (const payload of await store.readInbox(id, holder, alreadyRead)) number(payload);
   */
  readInbox(id: string, holder: string, from: number): Awaitable<readonly SessionPayload[]>;
  /**
   * Ends an expired session: when it has no connection and `expiresAt` ≤ `now`, forgets it and
   * signals `'ended'` (`'expired'`). Answers true when the session is gone (now, or before: unknown),
   * false when it lives on (a connection resumed it, here or elsewhere).
   *
   * @example
   * if (await store.expire(id, Date.now())) complete();
   */
  expire(id: string, now: number): Awaitable<boolean>;
  /**
   * Forgets the session at once (ended on purpose, by a close 1000) and signals `'ended'` (`'closed'`).
   *
   * @example
   * store.end(id);
   */
  end(id: string): Awaitable<void>;
  /**
   * Calls `listener` with the session's events until the returned function is called. A shared
   * store delivers them from every process (e.g. by pub/sub).
   *
   * @example
   * const unwatch = store.watch(id, (event) => { if (event.type === 'ended') done(); });
   */
  watch(id: string, listener: (event: SessionStoreEvent) => void): () => void;
}

interface MemoryEntry {
  readonly id: string;
  readonly identity: string | null;
  received: number;
  sent: number;
  readonly replay: ReplayLog;
  expiresAt: number | null;
  holder: string;
  /** The inbox: its messages from `inboxHead` on (those before were removed; compacted now and then). */
  inbox: SessionPayload[];
  inboxHead: number;
  readonly listeners: Set<(event: SessionStoreEvent) => void>;
}

/** Removes the first `count` messages of `entry`'s inbox (O(1) each: the head moves, and the array is compacted when half of it is removed). */
function removeFromInbox(entry: MemoryEntry, count: number): void {
  entry.inboxHead = Math.min(entry.inboxHead + count, entry.inbox.length);
  if (entry.inboxHead === entry.inbox.length) {
    entry.inbox = [];
    entry.inboxHead = 0;
  } else if (entry.inboxHead >= 1024 && entry.inboxHead * 2 >= entry.inbox.length) {
    entry.inbox = entry.inbox.slice(entry.inboxHead);
    entry.inboxHead = 0;
  }
}

/** How many creates between two sweeps of expired sessions nobody ended (their holders gone). */
const SWEEP_EVERY = 256;

/**
 * The default {@link SessionStore}: this process's memory. Share one between several
 * `WebSocketServer`s (or between a server and the one that replaces it after a restart) and each
 * resumes the others' sessions. It runs no timer: expired sessions are forgotten when their
 * `Session` expires them, or found expired on a later claim, or swept now and then on create.
 *
 * @example
 * import { acceptSessions, memorySessionStore } from 'rxws/node';
 * const store = memorySessionStore();
 * acceptSessions(wss, { store }).subscribe(serve);
 * // later, a new server on the same port: the clients resume their sessions
 * acceptSessions(new WebSocketServer({ port, handleProtocols: acceptSessions.handleProtocols }), { store }).subscribe(serve);
 */
export function memorySessionStore(): SessionStore {
  const entries = new Map<string, MemoryEntry>();
  let creates = 0;

  const notify = (entry: MemoryEntry, event: SessionStoreEvent): void => {
    for (const listener of [...entry.listeners]) listener(event);
  };
  const expired = (entry: MemoryEntry, now: number): boolean => entry.expiresAt !== null && entry.expiresAt <= now;
  const forget = (entry: MemoryEntry, reason: 'closed' | 'expired'): void => {
    entries.delete(entry.id);
    notify(entry, { type: 'ended', reason });
  };
  const held = (id: string, holder: string): MemoryEntry | undefined => {
    const entry = entries.get(id);
    return entry && entry.holder === holder ? entry : undefined;
  };

  return {
    create(record, holder) {
      if (++creates % SWEEP_EVERY === 0) {
        const now = Date.now();
        for (const entry of [...entries.values()]) if (expired(entry, now)) forget(entry, 'expired');
      }
      const { id, identity, received, sent, expiresAt } = record;
      entries.set(id, { id, identity, received, sent, replay: new ReplayLog(record.replay), expiresAt, holder, inbox: [], inboxHead: 0, listeners: new Set() });
    },
    claim(id, holder, identity, now) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (expired(entry, now)) {
        forget(entry, 'expired');
        return undefined;
      }
      if (entry.identity !== identity) return undefined;
      entry.expiresAt = null;
      const claimed: ClaimedSession = { id, identity, received: entry.received, sent: entry.sent, replay: entry.replay.toArray(), expiresAt: null, inbox: entry.inbox.slice(entry.inboxHead) };
      if (entry.holder !== holder) {
        entry.holder = holder;
        notify(entry, { type: 'claimed', holder });
      }
      return claimed;
    },
    update(id, holder, change) {
      const entry = held(id, holder);
      if (!entry) return false;
      if (change.append) {
        for (const message of change.append) entry.replay.push(message, 0); // (the store needs no sizes: the outbox bounds the buffer)
        if (change.append.length > 0) entry.sent = change.append[change.append.length - 1]!.seq;
      }
      if (change.received !== undefined) entry.received = change.received;
      if (change.acknowledged !== undefined) entry.replay.trim(change.acknowledged);
      if (change.expiresAt !== undefined) entry.expiresAt = change.expiresAt;
      if (change.inboxTaken) removeFromInbox(entry, change.inboxTaken);
      return true;
    },
    publish(id, payload) {
      const entry = entries.get(id);
      if (!entry || expired(entry, Date.now())) return false;
      entry.inbox.push(payload);
      notify(entry, { type: 'published' });
      return true;
    },
    readInbox(id, holder, from) {
      const entry = held(id, holder);
      return entry && entry.inbox.length > entry.inboxHead + from ? entry.inbox.slice(entry.inboxHead + from) : [];
    },
    expire(id, now) {
      const entry = entries.get(id);
      if (!entry) return true;
      if (!expired(entry, now)) return false;
      forget(entry, 'expired');
      return true;
    },
    end(id) {
      const entry = entries.get(id);
      if (entry) forget(entry, 'closed');
    },
    watch(id, listener) {
      const entry = entries.get(id);
      if (!entry) return () => undefined;
      entry.listeners.add(listener);
      return () => {
        entry.listeners.delete(listener);
      };
    },
  };
}
