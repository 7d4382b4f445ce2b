// The passive streams of a subject (open$, message$, …): made on first use, so a subject nobody
// watches carries none.
import type { Observable, Subject } from 'rxjs';
import type { CloseEvent } from '../websocket/events.js';
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import type { DroppedMessage } from './outbound-queue.js';

/** One entry of `decodeError$`: the message the deserializer could not decode, and what it threw. */
export interface DecodeFailure {
  /** The raw message, as the socket delivered it. */
  readonly event: MessageEvent;
  /** What the deserializer threw. */
  readonly error: unknown;
}

/** @internal What each passive stream carries, by name. */
export interface PassiveEvents {
  state: ConnectionState;
  status: ConnectionStatus;
  open: Event;
  message: MessageEvent;
  error: Event;
  close: CloseEvent;
  decodeError: DecodeFailure;
  dropped: DroppedMessage;
}

/** Each stream's subject (`open`, undefined until first use) and read-only face (`open$`). */
type PassiveFields = { [K in keyof PassiveEvents]: Subject<PassiveEvents[K]> | undefined } & {
  [K in keyof PassiveEvents as `${K}$`]: Observable<PassiveEvents[K]> | undefined;
};

/** @internal The passive streams of a subject, and their read-only faces (declared here, set by the class). */
export interface PassiveStreams extends PassiveFields {}

/** @internal The passive streams of a subject, and their read-only faces. */
export class PassiveStreams {
  constructor() {
    // Every field from the start, so that all these objects share one shape and the engine's reads
    // (`message` for each message received) stay monomorphic.
    const fields = this as Record<string, unknown>;
    const names = ['state', 'status', 'open', 'message', 'error', 'close', 'decodeError', 'dropped'] satisfies (keyof PassiveEvents)[];
    for (const name of names) fields[name] = fields[`${name}$`] = undefined;
  }
}
