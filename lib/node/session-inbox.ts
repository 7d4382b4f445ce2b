// The server's incoming side of one session: which client seq numbers it has received (and the
// store has saved), and when it owes the client an acknowledgement.
import type { Subscription } from 'rxjs';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import type { SessionSettings } from './session-options.js';

/** @internal What a data frame's seq is to the receiver: the next one, one already received, or one after a gap. */
export type Arrival = 'next' | 'duplicate' | 'gap';

/**
 * @internal The receive side of a session. `received` is the highest seq accepted; `savedReceived`
 * the highest the store has saved, the only one acknowledged (a message is delivered after it is
 * saved). An ack frame goes out `ackInterval` ms after the first unacknowledged message, or at
 * once when `ackEvery` are unacknowledged, unless a data frame carries the acknowledgement first.
 */
export class SessionInbox {
  received = 0;
  savedReceived = 0;
  #unacknowledged = 0;
  #ackTimer: Subscription | undefined = undefined;
  readonly #settings: Pick<SessionSettings<unknown, unknown>, 'ackInterval' | 'ackEvery'>;
  readonly #sendAck: (ack: number) => void;

  constructor(settings: Pick<SessionSettings<unknown, unknown>, 'ackInterval' | 'ackEvery'>, sendAck: (ack: number) => void) {
    this.#settings = settings;
    this.#sendAck = sendAck;
  }

  /** Starts from a store's `received`. */
  load(received: number): void {
    this.received = this.savedReceived = received;
  }

  /** A data frame `seq` arrived: accepted when it is the next one. */
  arrive(seq: number): Arrival {
    if (seq <= this.received) return 'duplicate';
    if (seq > this.received + 1) return 'gap';
    this.received = seq;
    return 'next';
  }

  /** The store saved every seq up to `seq` (`count` new ones, being delivered): they are owed an acknowledgement. */
  saved(seq: number, count = 1): void {
    this.savedReceived = seq;
    if ((this.#unacknowledged += count) >= this.#settings.ackEvery) this.#ack();
    else this.#ackTimer ??= timerScheduler.schedule(() => this.#ack(), this.#settings.ackInterval);
  }

  /** A data frame just sent carried the acknowledgement: nothing owed. */
  acknowledged(): void {
    if (this.#unacknowledged === 0) return;
    this.#unacknowledged = 0;
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
  }

  /** Nothing is owed anymore (the connection ended: the next welcome says what was received). */
  reset(): void {
    this.acknowledged();
  }

  /** The store did not save what was accepted after `savedReceived`: the client will send it again. */
  rollBack(): void {
    this.received = this.savedReceived;
  }

  #ack(): void {
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
    if (this.#unacknowledged === 0) return;
    this.#unacknowledged = 0;
    this.#sendAck(this.savedReceived);
  }
}
