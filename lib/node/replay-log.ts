// The server's sent-but-unacknowledged messages of one session, oldest first: O(1) append and
// O(1) per message trimmed (an array with a moving head, compacted now and then), with their
// total size for the replay buffer's bound.
import { payloadBytes } from './session-message.js';
import type { SessionPayload } from '../session/protocol.js';

/** A message the server sent in a session, kept until the client acknowledges it. */
export interface StoredMessage {
  /** Its sequence number (1, 2, … per session). */
  readonly seq: number;
  /** The application message, serialized: text, or bytes. */
  readonly payload: SessionPayload;
}

/** @internal A replay buffer: {@link StoredMessage}s in seq order, with their count and bytes. */
export class ReplayLog {
  #items: StoredMessage[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** The payload bytes held (as `payloadBytes` counts them). */
  bytes = 0;

  constructor(messages: readonly StoredMessage[] = []) {
    for (const message of messages) this.push(message);
  }

  /** How many messages are held. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The seq of the oldest message held (undefined: none). */
  get firstSeq(): number | undefined {
    return this.#items[this.#head]?.seq;
  }

  /** Appends `message` (its seq follows the last one's). */
  push(message: StoredMessage, size = payloadBytes(message.payload)): void {
    this.#items.push(message);
    this.#sizes.push(size);
    this.bytes += size;
  }

  /** Drops every message with seq ≤ `seq`. */
  trim(seq: number): void {
    const items = this.#items;
    const sizes = this.#sizes;
    let head = this.#head;
    while (head < items.length && items[head]!.seq <= seq) {
      this.bytes -= sizes[head]!;
      items[head++] = undefined as unknown as StoredMessage;
    }
    if (head === items.length) {
      items.length = sizes.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      items.splice(0, head);
      sizes.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  /** Drops every message with seq > `seq` (the newest ones). */
  truncate(seq: number): void {
    const items = this.#items;
    while (items.length > this.#head && items[items.length - 1]!.seq > seq) {
      items.pop();
      this.bytes -= this.#sizes.pop()!;
    }
  }

  /** The messages held, oldest first (a copy). */
  toArray(): StoredMessage[] {
    return this.#items.slice(this.#head);
  }
}
