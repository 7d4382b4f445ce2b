// Which of the store's inbox messages (published for the session by Sessions that do not hold it)
// the holder has read, and which of those it may remove. A holder removes an inbox message only in
// the save that appends it to the replay buffer (or after reporting it dropped): until then the
// store keeps it, so that a claim by another server in the meantime finds it still in the inbox,
// in order, and nothing has to be handed back (which would put it behind newer messages of the
// same sender).

/** @internal One inbox message the holder has read: settled once it is numbered (saved with its append) or dropped. */
export interface InboxTicket {
  settled: boolean;
}

/**
 * @internal The holder's view of the head of the store's inbox: one ticket per message read, in
 * inbox order. Only the holder removes inbox messages (from the head, `SessionChange.inboxTaken`),
 * and a claim does not remove any, so the inbox's first `read` messages are exactly these.
 */
export class StoreInboxCursor {
  #tickets: InboxTicket[] = [];
  /** How many leading tickets the saves in flight remove. */
  #promised = 0;

  /** How many inbox messages have been read and not removed: where the next read starts. */
  get read(): number {
    return this.#tickets.length;
  }

  /** The ticket of the next inbox message (after those read before). */
  take(): InboxTicket {
    const ticket: InboxTicket = { settled: false };
    this.#tickets.push(ticket);
    return ticket;
  }

  /**
   * How many more inbox messages the next save may remove (the settled ones at the head that no
   * save in flight removes yet); counted as promised until {@link removed} or {@link reset}.
   */
  promise(): number {
    const tickets = this.#tickets;
    let settled = this.#promised;
    while (settled < tickets.length && tickets[settled]!.settled) settled++;
    const count = settled - this.#promised;
    this.#promised = settled;
    return count;
  }

  /** A save removing `count` messages was taken by the store. */
  removed(count: number): void {
    this.#tickets.splice(0, count);
    this.#promised = Math.max(0, this.#promised - count);
  }

  /** The saves in flight will not be answered (a store failure): nothing they promised was removed. */
  unpromise(): void {
    this.#promised = 0;
  }

  /** Forgets every ticket: the session was lost to another holder, which reads the inbox from its head. */
  reset(): void {
    this.#tickets = [];
    this.#promised = 0;
  }
}
