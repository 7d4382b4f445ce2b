// The server's outgoing side of one session: the replay buffer (numbered, not yet acknowledged)
// bounded in bytes and count, and the queue of messages waiting for room in it (bounded, with
// webSocket()'s overflow policies). Messages read from the store's inbox (published by Sessions
// that do not hold the session) go through it too, each with its ticket (store-inbox-cursor.ts).
import type { SessionPayload } from '../session/protocol.js';
import { payloadBytes } from './session-message.js';
import { FifoQueue } from '../websocket/fifo-queue.js';
import { QueueOverflowError, type DroppedMessage } from '../subject/outbound-queue.js';
import { ReplayLog, type StoredMessage } from './replay-log.js';
import { StoreInboxCursor, type InboxTicket } from './store-inbox-cursor.js';
import type { SessionSettings } from './session-options.js';

/** @internal The bounds and policy an outbox applies (from the checked options). */
export type OutboxLimits = Pick<SessionSettings<unknown, unknown>, 'replayBytes' | 'replayMessages' | 'queueLimit' | 'overflow'>;

/** @internal What an outbox tells its Session. */
export interface OutboxHost {
  /** A message will not be sent (the queue's overflow policy). */
  dropped(dropped: DroppedMessage): void;
  /** A message was numbered: save it, then send it. */
  numbered(message: StoredMessage): void;
  /** An inbox message was dropped: the next save removes it from the store's inbox (with or without messages to append). */
  inboxDropped(): void;
  /** The queue has room again for the inbox messages left in the store: read them. */
  inboxRoom(): void;
}

/** A queued message read from the store's inbox: the store keeps it until a save removes it. */
class FromInbox {
  constructor(
    readonly payload: SessionPayload,
    readonly ticket: InboxTicket,
  ) {}
}

/** A queued message: this Session's own (its `next()`), or one read from the store's inbox. */
type Queued = SessionPayload | FromInbox;

const payloadOf = (item: Queued): SessionPayload => (item instanceof FromInbox ? item.payload : item);

/**
 * @internal The replay buffer and the queue of one session. A message is numbered (given its
 * seq, put in the replay buffer, handed to `numbered` to be saved and sent) as soon as the
 * replay buffer has room and nothing waits before it; `savedSent` says how far the store has
 * saved (only saved messages are replayed).
 */
export class SessionOutbox {
  #replay: ReplayLog;
  #queue = new FifoQueue<Queued>();
  /** The seq of the last message numbered. */
  sent: number;
  /** The seq of the last message the store saved. */
  savedSent = 0;
  /** The store's inbox messages read. */
  readonly #cursor = new StoreInboxCursor();
  /** The tickets of the inbox messages numbered and not yet saved, by seq. */
  readonly #numberedFromInbox = new Map<number, InboxTicket>();
  /** How many queued messages were read from the store's inbox. */
  #queuedFromInbox = 0;
  /** An inbox message was left in the store for want of room (see {@link pushFromInbox}). */
  #inboxWaiting = false;
  readonly #limits: OutboxLimits;
  readonly #host: OutboxHost;

  constructor(limits: OutboxLimits, host: OutboxHost) {
    this.#limits = limits;
    this.#host = host;
    this.#replay = new ReplayLog();
    this.sent = 0;
  }

  /** Starts again from a store's state: its replay buffer and last seq (the queue stays). */
  load(replay: readonly StoredMessage[], sent: number): void {
    this.#replay = new ReplayLog(replay);
    this.#numberedFromInbox.clear();
    this.sent = this.savedSent = sent;
  }

  /** The saved messages, oldest first: what a resume replays. */
  replayable(): StoredMessage[] {
    return this.#replay.toArray().filter((message) => message.seq <= this.savedSent);
  }

  /** A new message: numbered now if there is room (and nothing waits before it), else queued. */
  push(payload: SessionPayload): void {
    this.#accept(payload, this.checkSize(payload));
  }

  /** The size of `payload`, or a RangeError when it could never be kept for replay (the bound holds, and the caller hears of it). */
  checkSize(payload: SessionPayload): number {
    const size = payloadBytes(payload);
    if (size > this.#limits.replayBytes) {
      throw new RangeError(`acceptSessions(): a message of ${size} bytes cannot be kept for replay (replayLimit.bytes is ${this.#limits.replayBytes}); it was not sent.`);
    }
    return size;
  }

  /**
   * Messages read from the store's inbox (the next ones after those read before): as `push`,
   * except that an overflow is only reported (never thrown at whoever published them), and that
   * an inbox message is dropped only in inbox order (the store removes them from the head): one
   * that would be dropped while an earlier one still waits in the queue (a full queue whose policy
   * drops the newest, or a message larger than the replay buffer) is left in the store, with
   * those after it, and read again when the queue moves up.
   */
  pushFromInbox(payloads: readonly SessionPayload[]): void {
    const { replayBytes, queueLimit, overflow } = this.#limits;
    for (const payload of payloads) {
      const size = payloadBytes(payload);
      const queue = this.#queue;
      const fits = size <= replayBytes;
      const kept = fits && ((queue.length === 0 && this.#hasRoom(size)) || queue.length < queueLimit || (overflow === 'drop-oldest' && queue.length > 0));
      if (!kept && this.#queuedFromInbox > 0) {
        this.#inboxWaiting = true;
        return;
      }
      const item = new FromInbox(payload, this.#cursor.take());
      if (!fits) this.#drop(item, new RangeError(`acceptSessions(): a message of ${size} bytes cannot be kept for replay (replayLimit.bytes is ${replayBytes}); it was not sent.`));
      else if (kept) this.#accept(item, size);
      else this.#drop(item);
    }
  }

  /** How many of the store's inbox messages have been read and not removed (where the next read starts). */
  get inboxRead(): number {
    return this.#cursor.read;
  }

  /** How many inbox messages the save about to be made removes (those numbered or dropped, from the head, not removed by a save in flight). */
  inboxToRemove(): number {
    return this.#cursor.promise();
  }

  /** A save that removed `count` inbox messages was taken by the store. */
  inboxRemoved(count: number): void {
    this.#cursor.removed(count);
  }

  /** The store saved the messages numbered up to `seq`. */
  saved(seq: number): void {
    this.savedSent = seq;
    for (const numbered of this.#numberedFromInbox.keys()) {
      if (numbered > seq) break;
      this.#numberedFromInbox.delete(numbered);
    }
  }

  /** The client acknowledged up to `ack`: answers whether that freed anything (then the queue moves up). */
  acknowledge(ack: number): boolean {
    const first = this.#replay.firstSeq;
    if (first === undefined || ack < first) return false;
    this.#replay.trim(ack);
    this.flush();
    return true;
  }

  /** Numbers the queued messages that fit in the replay buffer. */
  flush(): void {
    const queue = this.#queue;
    while (queue.length > 0) {
      const size = payloadBytes(payloadOf(queue.peek()!));
      if (!this.#hasRoom(size)) break;
      this.#number(this.#shift(), size);
    }
    if (this.#inboxWaiting && (queue.length < this.#limits.queueLimit || this.#queuedFromInbox === 0)) {
      this.#inboxWaiting = false;
      this.#host.inboxRoom();
    }
  }

  /**
   * The store did not save the newest numbered messages (nor remove the inbox messages its saves
   * in flight were to remove): they wait again, unnumbered, at the head of the queue.
   */
  rollBack(): void {
    this.#cursor.unpromise();
    if (this.sent === this.savedSent) return;
    const queue = new FifoQueue<Queued>();
    for (const message of this.#unsaved()) {
      const ticket = this.#numberedFromInbox.get(message.seq);
      if (ticket) {
        ticket.settled = false;
        this.#queuedFromInbox++;
      }
      queue.push(ticket ? new FromInbox(message.payload, ticket) : message.payload);
    }
    while (this.#queue.length > 0) queue.push(this.#queue.shift()!);
    this.#queue = queue;
    this.#numberedFromInbox.clear();
    this.#replay.truncate(this.savedSent);
    this.sent = this.savedSent;
  }

  /**
   * Empties the outbox (another holder took the session), answering what the store has not got:
   * this Session's own unsaved messages, then its own queued ones (for the new holder to number).
   * Messages read from the inbox are not in it: the store keeps them until a save removes them.
   */
  handOver(): SessionPayload[] {
    const payloads: SessionPayload[] = [];
    for (const message of this.#unsaved()) if (!this.#numberedFromInbox.has(message.seq)) payloads.push(message.payload);
    while (this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      if (!(item instanceof FromInbox)) payloads.push(item);
    }
    this.clear();
    return payloads;
  }

  /** Forgets everything (the session ended, or went to another holder). */
  clear(): void {
    this.#queue.clear();
    this.#queuedFromInbox = 0;
    this.#inboxWaiting = false;
    this.#replay = new ReplayLog();
    this.#numberedFromInbox.clear();
    this.#cursor.reset();
  }

  #accept(item: Queued, size: number): void {
    const queue = this.#queue;
    if (queue.length === 0 && this.#hasRoom(size)) return this.#number(item, size);
    const { queueLimit, overflow } = this.#limits;
    if (queue.length < queueLimit) return this.#enqueue(item);
    if (overflow === 'drop-oldest' && queue.length > 0) {
      const oldest = this.#shift(); // (the oldest inbox message queued is the first of the inbox not settled: dropped in inbox order)
      this.#enqueue(item);
      return this.#drop(oldest);
    }
    this.#drop(item);
    if (overflow === 'error') throw new QueueOverflowError(queueLimit, payloadOf(item));
  }

  #enqueue(item: Queued): void {
    if (item instanceof FromInbox) this.#queuedFromInbox++;
    this.#queue.push(item);
  }

  #shift(): Queued {
    const item = this.#queue.shift()!;
    if (item instanceof FromInbox) this.#queuedFromInbox--;
    return item;
  }

  #drop(item: Queued, error?: Error): void {
    if (item instanceof FromInbox) {
      item.ticket.settled = true;
      this.#host.inboxDropped();
    }
    this.#host.dropped(error ? { data: payloadOf(item), reason: 'overflow', error } : { data: payloadOf(item), reason: 'overflow' });
  }

  #unsaved(): StoredMessage[] {
    return this.#replay.toArray().filter((message) => message.seq > this.savedSent);
  }

  #hasRoom(size: number): boolean {
    const replay = this.#replay;
    return replay.length === 0 || (replay.length < this.#limits.replayMessages && replay.bytes + size <= this.#limits.replayBytes);
  }

  #number(item: Queued, size: number): void {
    const seq = ++this.sent;
    const message: StoredMessage = { seq, payload: payloadOf(item) };
    if (item instanceof FromInbox) {
      item.ticket.settled = true; // (removed from the inbox by the save that appends it)
      this.#numberedFromInbox.set(seq, item.ticket);
    }
    this.#replay.push(message, size);
    this.#host.numbered(message);
  }
}
