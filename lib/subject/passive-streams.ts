// The passive streams of a subject (open$, message$, …): made on first use, so a subject nobody
// watches carries none.
import type { BehaviorSubject, Observable, Subject } from 'rxjs';
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

/** The passive streams of a subject, and their read-only faces. */
/** @internal */
export class PassiveStreams {
  state: BehaviorSubject<ConnectionState> | undefined = undefined;
  state$: Observable<ConnectionState> | undefined = undefined;
  status: BehaviorSubject<ConnectionStatus> | undefined = undefined;
  status$: Observable<ConnectionStatus> | undefined = undefined;
  open: Subject<Event> | undefined = undefined;
  open$: Observable<Event> | undefined = undefined;
  message: Subject<MessageEvent> | undefined = undefined;
  message$: Observable<MessageEvent> | undefined = undefined;
  error: Subject<Event> | undefined = undefined;
  error$: Observable<Event> | undefined = undefined;
  close: Subject<CloseEvent> | undefined = undefined;
  close$: Observable<CloseEvent> | undefined = undefined;
  decodeError: Subject<DecodeFailure> | undefined = undefined;
  decodeError$: Observable<DecodeFailure> | undefined = undefined;
  dropped: Subject<DroppedMessage> | undefined = undefined;
  dropped$: Observable<DroppedMessage> | undefined = undefined;

}

