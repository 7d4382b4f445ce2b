// The server's outgoing side of one session: the replay buffer (numbered, not yet acknowledged)
// bounded in bytes and count, and the queue of messages waiting for room in it (bounded, with
// webSocket()'s overflow policies).
import type { SessionPayload } from '../session/protocol.js';
import { payloadBytes } from './session-message.js';
import { FifoQueue } from '../websocket/fifo-queue.js';
import { QueueOverflowError, type DroppedMessage } from '../subject/outbound-queue.js';
import { ReplayLog, type StoredMessage } from './replay-log.js';
import type { SessionSettings } from './session-options.js';

/** @internal The bounds and policy an outbox applies (from the checked options). */
export type OutboxLimits = Pick<SessionSettings<unknown, unknown>, 'replayBytes' | 'replayMessages' | 'queueLimit' | 'overflow'>;

/**
 * @internal The replay buffer and the queue of one session. A message is numbered (given its
 * seq, put in the replay buffer, handed to `numbered` to be saved and sent) as soon as the
 * replay buffer has room and nothing waits before it; `savedSent` says how far the store has
 * saved (only saved messages are replayed).
 */
export class SessionOutbox {
  #replay: ReplayLog;
  #queue = new FifoQueue<SessionPayload>();
  /** The seq of the last message numbered. */
  sent: number;
  /** The seq of the last message the store saved. */
  savedSent: number;
  readonly #limits: OutboxLimits;
  readonly #dropped: (dropped: DroppedMessage) => void;
  readonly #numbered: (message: StoredMessage) => void;

  constructor(limits: OutboxLimits, dropped: (dropped: DroppedMessage) => void, numbered: (message: StoredMessage) => void) {
    this.#limits = limits;
    this.#dropped = dropped;
    this.#numbered = numbered;
    this.#replay = new ReplayLog();
    this.sent = this.savedSent = 0;
  }

  /** Starts again from a store's state: its replay buffer and last seq (the queue stays). */
  load(replay: readonly StoredMessage[], sent: number): void {
    this.#replay = new ReplayLog(replay);
    this.sent = this.savedSent = sent;
  }

  /** The saved messages, oldest first: what a resume replays. */
  replayable(): StoredMessage[] {
    return this.#replay.toArray().filter((message) => message.seq <= this.savedSent);
  }

  /** A new message: numbered now if there is room (and nothing waits before it), else queued. */
  push(payload: SessionPayload): void {
    const size = payloadBytes(payload);
    if (size > this.#limits.replayBytes) {
      // It could never be kept for replay: the bound holds, and the caller hears of it.
      throw new RangeError(`acceptSessions(): a message of ${size} bytes cannot be kept for replay (replayLimit.bytes is ${this.#limits.replayBytes}); it was not sent.`);
    }
    const queue = this.#queue;
    if (queue.length === 0 && this.#hasRoom(size)) return this.#number(payload, size);
    const { queueLimit, overflow } = this.#limits;
    if (queue.length < queueLimit) return void queue.push(payload);
    if (overflow === 'drop-oldest' && queue.length > 0) {
      const oldest = queue.shift()!;
      queue.push(payload);
      return this.#dropped({ data: oldest, reason: 'overflow' });
    }
    this.#dropped({ data: payload, reason: 'overflow' });
    if (overflow === 'error') throw new QueueOverflowError(queueLimit, payload);
  }

  /** Messages another Session published for this one: as `push`, but an overflow is only reported (never thrown at whoever published them). */
  pushHandedOver(payloads: readonly SessionPayload[]): void {
    for (const payload of payloads) {
      try {
        this.push(payload);
      } catch (error) {
        if (error instanceof RangeError) this.#dropped({ data: payload, reason: 'overflow', error });
        else if (!(error instanceof QueueOverflowError)) throw error;
      }
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
      const size = payloadBytes(queue.peek()!);
      if (!this.#hasRoom(size)) return;
      this.#number(queue.shift()!, size);
    }
  }

  /** The store did not save the newest numbered messages: they wait again, unnumbered, at the head of the queue. */
  rollBack(): void {
    if (this.sent === this.savedSent) return;
    const queue = new FifoQueue<SessionPayload>();
    for (const payload of this.#unsaved()) queue.push(payload);
    while (this.#queue.length > 0) queue.push(this.#queue.shift()!);
    this.#queue = queue;
    this.#replay.truncate(this.savedSent);
    this.sent = this.savedSent;
  }

  /** Empties the outbox, answering what the store has not got: the unsaved messages, then the queued ones (for another holder to number). */
  handOver(): SessionPayload[] {
    const payloads = this.#unsaved();
    while (this.#queue.length > 0) payloads.push(this.#queue.shift()!);
    this.clear();
    return payloads;
  }

  /** Forgets everything (the session ended). */
  clear(): void {
    this.#queue.clear();
    this.#replay = new ReplayLog();
  }

  #unsaved(): SessionPayload[] {
    return this.#replay
      .toArray()
      .filter((message) => message.seq > this.savedSent)
      .map((message) => message.payload);
  }

  #hasRoom(size: number): boolean {
    const replay = this.#replay;
    return replay.length === 0 || (replay.length < this.#limits.replayMessages && replay.bytes + size <= this.#limits.replayBytes);
  }

  #number(payload: SessionPayload, size: number): void {
    const message: StoredMessage = { seq: ++this.sent, payload };
    this.#replay.push(message, size);
    this.#numbered(message);
  }
}
