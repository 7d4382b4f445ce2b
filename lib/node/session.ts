// The server's side of one rxws.session.v1 session: a subject that lives across the client's
// connections (docs/sessions.md, "Server: acceptSessions()"; the protocol: docs/session-protocol.md).
import { BehaviorSubject, Observable, Subject, type Subscription } from 'rxjs';
import { encodeAck, encodeWelcome, redactId, type SessionFrame, type SessionPayload } from '../session/protocol.js';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import type { DroppedMessage } from '../subject/outbound-queue.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import type { StoredMessage } from './replay-log.js';
import { SessionOutbox } from './session-outbox.js';
import { SessionInbox } from './session-inbox.js';
import { toMessageData, toPayload, type SessionDecodeError } from './session-message.js';
import type { Awaitable, ClaimedSession, SessionChange, SessionStoreEvent } from './session-store.js';
import type { SessionSettings } from './session-options.js';
import type { ConnectionHandler, SessionConnection } from './session-connection.js';
import { isPromiseLike, Serial } from './serial.js';

/**
 * Where a session is, as its `state$` tells: `'connected'` (a connection of this `Session` is
 * open), `'disconnected'` (none: the client may resume, here or, with a shared store, on another
 * server), `'expired'` (the session ended for want of a connection within `expireAfter`; the
 * last value before completion).
 */
export type SessionState = 'connected' | 'disconnected' | 'expired';

/** The code a connection is closed with when another connection resumes its session. */
const REPLACED = 4409;
const PROTOCOL_ERROR = 1002;
const INTERNAL_ERROR = 1011;

/** A close code an endpoint may send (RFC 6455 §7.4, as `ws` checks it). */
function isCloseCode(code: unknown): code is number {
  return typeof code === 'number' && Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

/**
 * One resumable session on the server: a subject whose subscribers receive the client's messages
 * (each exactly once, in order, across the client's reconnections) and whose `next()` sends to
 * the client (delivered exactly once while the session lives: kept in the replay buffer until
 * the client acknowledges it, and replayed when it resumes). `acceptSessions()` emits one per
 * session it serves. It completes when the session ends: on expiry (`state$` ends with
 * `'expired'`), or on a close 1000 from either side (`close()`, or the client's).
 *
 * @typeParam In what `next()` accepts (before the serializer).
 * @typeParam Out what subscribers receive (after the deserializer).
 *
 * @example
 * acceptSessions<Fill, Order>(wss).subscribe((session) => {
 *   session.subscribe((order) => session.next(fill(order)));
 *   session.state$.subscribe((state) => metrics.set(session.id, state));
 * });
 */
export class Session<In = unknown, Out = In> extends Observable<Out> {
  /** The session id (opaque, 128 random bits). Do not log it in full: `redactId(id)` shortens it. */
  readonly id: string;
  readonly #settings: SessionSettings<In, Out>;
  /** @internal This Session's token as the store's holder of the session. */
  readonly holder: string;
  readonly #onEnd: (session: Session<In, Out>) => void;
  readonly #messages = new Subject<Out>();
  readonly #state: BehaviorSubject<SessionState>;
  readonly #dropped = new Subject<DroppedMessage>();
  readonly #decodeErrors = new Subject<SessionDecodeError>();
  readonly #serial = new Serial((error) => this.#storeFailed(error));
  #holding = true;
  /** Counts the times this Session took the session again (`#reload`): answers of saves from an earlier hold are ignored. */
  #hold = 0;
  #ended = false;
  #connection: SessionConnection | undefined = undefined;
  /** The replay buffer and the queue. */
  readonly #outbox: SessionOutbox;
  /** The client's seq numbers received, and the acknowledgements owed. */
  readonly #inbox: SessionInbox;
  #expiryTimer: Subscription | undefined = undefined;
  /** When this holder's session expires without a connection. */
  #expiresAt = 0;
  readonly #unwatch: () => void;

  /** @internal Made by `acceptSessions()`. */
  constructor(record: ClaimedSession, holder: string, settings: SessionSettings<In, Out>, onEnd: (session: Session<In, Out>) => void) {
    super((subscriber) => this.#messages.subscribe(subscriber));
    this.id = record.id;
    this.holder = holder;
    this.#settings = settings;
    this.#onEnd = onEnd;
    this.#state = new BehaviorSubject<SessionState>('disconnected');
    this.#outbox = new SessionOutbox(settings, {
      dropped: (dropped) => this.#dropped.next(dropped),
      numbered: (message) => this.#numbered(message),
      inboxDropped: () => this.#inboxDropped(),
      inboxRoom: () => this.#readInbox(),
    });
    this.#outbox.load(record.replay, record.sent);
    this.#inbox = new SessionInbox(settings, (ack) => this.#connection?.send(encodeAck(ack)));
    this.#inbox.load(record.received);
    this.#unwatch = settings.store.watch(record.id, this.#onStoreEvent);
    this.#outbox.pushFromInbox(record.inbox);
    this.#readInbox(); // published between the claim and the watch
  }

  /** The current state (see {@link SessionState}). */
  get state(): SessionState {
    return this.#state.value;
  }

  /**
   * The session's state: the current one at once, then each change; completes when the session ends.
   *
   * @example
   * session.state$.subscribe((state) => console.log(redactId(session.id), state));
   */
  get state$(): Observable<SessionState> {
    return this.#state.asObservable();
  }

  /**
   * Messages given to `next()` that will not be sent: dropped by the queue's overflow policy
   * (`reason: 'overflow'`) while the replay buffer was full.
   *
   * @example
   * session.dropped$.subscribe(({ data }) => metrics.increment('session.dropped'));
   */
  get dropped$(): Observable<DroppedMessage> {
    return this.#dropped.asObservable();
  }

  /**
   * Client messages the `deserializer` threw on (skipped; the session carries on).
   *
   * @example
   * session.decodeError$.subscribe(({ error }) => log.warn('bad message', error));
   */
  get decodeError$(): Observable<SessionDecodeError> {
    return this.#decodeErrors.asObservable();
  }

  /** Whether the session has ended (completed). */
  get closed(): boolean {
    return this.#ended;
  }

  /**
   * Sends `value` (through the serializer) to the client: at once when it is connected and the
   * replay buffer has room; otherwise it waits (numbered in the replay buffer, or in the bounded
   * queue when that is full) and goes out when the client resumes. On a server whose `Session`
   * does not hold the session (the client resumed on another server sharing the store), the store
   * routes it there. After the session has ended, it does nothing.
   *
   * @throws the serializer's error; a `QueueOverflowError` when the queue is full and its policy is `'error'`; a `RangeError` for a message larger than `replayLimit.bytes` (it could never be kept for replay).
   * @example
   * session.subscribe((order) => session.next({ filled: order.id }));
   */
  next(value: In): void {
    if (this.#ended || this.#closing) return;
    const payload = toPayload(this.#settings.serializer(value));
    if (this.#holding) this.#outbox.push(payload);
    else {
      this.#outbox.checkSize(payload); // (as the holder would: it could never be kept for replay)
      this.#publish(payload);
    }
  }

  /**
   * Ends the session on purpose: the same as `close()` (a close 1000).
   *
   * @example
   * orders$.subscribe(session); // the session ends when orders$ completes
   */
  complete(): void {
    this.close();
  }

  /**
   * With code 1000 (the default): ends the session on both sides. The client gets a close frame
   * 1000 after every message sent before it, the store forgets the session, and the `Session`
   * completes. With another code (1001, 1012, 3000–4999…): closes the current connection only;
   * the session stays, and the client may resume it.
   *
   * @example
   * session.close();                        // the conversation is over
   * session.close(1012, 'server restart');  // the client comes back and resumes
   */
  close(code = 1000, reason?: string): void {
    if (!isCloseCode(code)) throw new TypeError(`Session.close(): the code must be 1000, 1001–1003, 1007–1014 or 3000–4999, not ${String(code)}.`);
    if (this.#ended) return;
    if (code !== 1000) {
      const connection = this.#connection;
      if (!connection) return;
      this.#connection = undefined;
      connection.close(code, reason);
      return this.#disconnected();
    }
    this.#finish(reason);
  }

  /** A connection was attached before (the constructor's read of the inbox served the first). */
  #attached = false;

  /** A close 1000 was asked for (`close()`), or came from the client. */
  #closing = false;

  /**
   * Ends the session with a close 1000 (ours when `reason` is given or the connection is still
   * open): after what the burst before it still has to save, send or deliver, so everything sent
   * before the close frame is delivered (the promise of a clean close).
   */
  #finish(reason?: string): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#numberedBatch !== undefined) this.#saveNumbered();
    if (this.#arrivals !== undefined) this.#saveArrivals();
    this.#serial.run(() => undefined, () => this.#ended || this.#endNow(reason));
  }

  #endNow(reason: string | undefined): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close(1000, reason);
    this.#serial.run(() => this.#settings.store.end(this.id));
    this.#end('disconnected');
  }

  /**
   * @internal Claims the session in the store for this Session (a connection is resuming it here),
   * after the store calls already asked for: a save from before is answered before the claim, and
   * never taken after it.
   */
  claim(identity: string | null): Promise<ClaimedSession | undefined> {
    return this.#serial.ask(() => this.#settings.store.claim(this.id, this.holder, identity, Date.now()));
  }

  /**
   * @internal Serves the session on `connection` (a hello resumed it, or created it: `kind`),
   * replacing the current connection (closed with 4409). `clientReceived` is what the hello said
   * the client received; `claimed` is what the store answered (this Session reloads it when it
   * had lost the session to another).
   */
  attach(connection: SessionConnection, kind: 'new' | 'resumed', clientReceived: number, claimed: ClaimedSession): void {
    if (this.#ended) return void connection.close(1011, 'session ended');
    if (!this.#holding) this.#reload(claimed);
    else if (this.#attached) this.#readInbox(); // (the inbox is this holder's already: it reads on from where it is; the constructor read it for the first attach)
    this.#attached = true;
    const previous = this.#connection;
    this.#connection = undefined;
    previous?.close(REPLACED, 'replaced by a new connection');
    this.#expiryTimer?.unsubscribe();
    this.#expiryTimer = undefined;
    if (clientReceived > this.#outbox.savedSent) {
      connection.close(PROTOCOL_ERROR, 'hello acknowledges messages never sent');
      return this.#disconnected();
    }
    connection.send(encodeWelcome(this.id, kind, this.#inbox.savedReceived));
    this.#inbox.reset(); // (the welcome says it)
    // Trimming may number queued messages: saved now, they are replayed below, in order; saved
    // later, they are sent then (the connection is set by then).
    this.#acknowledged(clientReceived);
    connection.sendData(this.#outbox.replayable(), this.#inbox.savedReceived);
    this.#connection = connection;
    this.#outbox.flush();
    this.#setState('connected');
    connection.setHandler(this.#handler(connection));
  }

  #handler(connection: SessionConnection): ConnectionHandler {
    return {
      frame: (frame) => {
        if (this.#connection === connection) this.#onFrame(connection, frame);
      },
      closed: (code) => {
        if (this.#connection === connection) this.#onClosed(code);
      },
    };
  }

  #onFrame(connection: SessionConnection, frame: SessionFrame | undefined): void {
    switch (frame?.type) {
      case 'data': {
        if (!this.#acknowledged(frame.ack)) return;
        const arrival = this.#inbox.arrive(frame.seq);
        if (arrival === 'gap') return this.#protocolError(connection, `data frame ${frame.seq} after ${this.#inbox.received}: a gap`);
        if (arrival === 'duplicate') return; // replayed
        // Saved with the others that arrive in the same burst (one store call per burst), then delivered.
        const arrivals = this.#arrivals;
        if (arrivals !== undefined) arrivals.push(frame.payload);
        else {
          this.#arrivals = [frame.payload];
          queueMicrotask(this.#saveArrivals);
        }
        return;
      }
      case 'ack':
        this.#acknowledged(frame.ack);
        return;
      case 'unsequenced':
        this.#deliver(frame.payload);
        return;
      default:
        this.#protocolError(connection, frame ? `unexpected ${frame.type} frame` : 'malformed frame');
    }
  }

  #protocolError(connection: SessionConnection, reason: string): void {
    this.#connection = undefined;
    connection.close(PROTOCOL_ERROR, reason);
    this.#disconnected();
  }

  #onClosed(code: number): void {
    if (code === 1000) return this.#finish(); // (the connection is closed: the burst's sends go nowhere, its deliveries happen)
    this.#connection = undefined;
    this.#disconnected();
  }

  /** The connection is gone, the session stays: it expires unless resumed within `expireAfter`. */
  #disconnected(): void {
    this.#inbox.reset();
    this.#setState('disconnected');
    this.#expiresAt = Date.now() + this.#settings.expireAfter;
    if (this.#holding) this.#save({ expiresAt: this.#expiresAt });
    this.#scheduleExpiry(this.#settings.expireAfter);
  }

  /** Asks the store, in `delay` ms, whether the session has expired. */
  #scheduleExpiry(delay: number): void {
    this.#expiryTimer?.unsubscribe();
    this.#expiryTimer = timerScheduler.schedule(() => {
      this.#expiryTimer = undefined;
      this.#serial.run(
        () => this.#settings.store.expire(this.id, Date.now()),
        (gone) => {
          if (gone) this.#end('expired');
          // Not due yet (clocks), or resumed elsewhere: look again then, or in expireAfter.
          else if (!this.#connection && !this.#ended) this.#scheduleExpiry(this.#holding ? Math.max(1, this.#expiresAt - Date.now() + 1) : this.#settings.expireAfter);
        },
      );
    }, delay);
  }

  #deliver(payload: SessionPayload): void {
    const data = toMessageData(payload);
    let value: Out;
    try {
      value = this.#settings.deserializer({ data });
    } catch (error) {
      this.#decodeErrors.next({ data, error });
      return;
    }
    this.#messages.next(value);
  }

  /** The client acknowledged up to `ack`: trims the replay buffer and fills it from the queue. False (and the connection closed) for an ack of a message never sent. */
  #acknowledged(ack: number): boolean {
    if (ack > this.#outbox.savedSent) {
      if (this.#connection) this.#protocolError(this.#connection, `acknowledgement ${ack} of a message never sent`);
      return false;
    }
    if (this.#outbox.acknowledge(ack)) this.#save({ acknowledged: ack });
    return true;
  }

  /**
   * A message the outbox numbered: saved with the others numbered in the same burst (one store
   * call per burst, not per message: one round trip to a remote store), then sent.
   */
  #numbered(message: StoredMessage): void {
    const pending = this.#numberedBatch;
    if (pending !== undefined) {
      pending.push(message);
      return;
    }
    this.#numberedBatch = [message];
    queueMicrotask(this.#saveNumbered);
  }

  #numberedBatch: StoredMessage[] | undefined = undefined;

  /** The payloads of the data frames accepted in this burst, not yet saved (their seqs end at the inbox's `received`). */
  #arrivals: SessionPayload[] | undefined = undefined;

  readonly #saveArrivals = (): void => {
    const arrivals = this.#arrivals;
    if (arrivals === undefined) return; // rolled back (a store failure)
    this.#arrivals = undefined;
    const seq = this.#inbox.received;
    this.#save({ received: seq }, () => {
      this.#inbox.saved(seq, arrivals.length);
      for (const payload of arrivals) {
        if (this.#ended) return;
        this.#deliver(payload);
      }
    });
  };

  /** An inbox message was dropped (overflow): the next save removes it from the store's inbox, with or without messages to append. */
  #inboxDropped(): void {
    if (this.#numberedBatch !== undefined) return;
    this.#numberedBatch = [];
    queueMicrotask(this.#saveNumbered);
  }

  readonly #saveNumbered = (): void => {
    const batch = this.#numberedBatch;
    if (batch === undefined) return; // rolled back (a store failure)
    this.#numberedBatch = undefined;
    // The inbox messages numbered (in this batch or before) or dropped leave the store's inbox in
    // this very save: a claim before it finds them still there, one after it in the replay buffer.
    const inboxTaken = this.#outbox.inboxToRemove();
    if (batch.length === 0 && inboxTaken === 0) return;
    const change: { append?: StoredMessage[]; inboxTaken?: number } = {};
    if (batch.length > 0) change.append = batch;
    if (inboxTaken > 0) change.inboxTaken = inboxTaken;
    this.#save(change, () => {
      if (inboxTaken > 0 && this.#holding) this.#outbox.inboxRemoved(inboxTaken); // (lost meanwhile: the outbox is handed over)
      if (batch.length === 0) return;
      this.#outbox.saved(batch[batch.length - 1]!.seq);
      const connection = this.#connection;
      if (!connection) return;
      const received = this.#inbox.savedReceived;
      connection.sendData(batch, received);
      this.#inbox.acknowledged();
    });
  };

  #publish(payload: SessionPayload): void {
    this.#serial.run(() => this.#settings.store.publish(this.id, payload));
  }

  /** Reads the inbox messages published since the last read (the store keeps them until a save of ours removes them). */
  #readInbox(): void {
    let hold = -1;
    this.#serial.run(
      () => {
        hold = this.#hold;
        return this.#holding ? this.#settings.store.readInbox(this.id, this.holder, this.#outbox.inboxRead) : [];
      },
      (inbox) => {
        // (lost, or held again, since the read: the inbox is read afresh from the claim's)
        if (!this.#ended && this.#holding && hold === this.#hold) this.#outbox.pushFromInbox(inbox);
      },
    );
  }

  /**
   * Saves `change` as the holder, then runs `then`; a refusal means another server took the
   * session. A save the store took runs `then` even when the session was lost meanwhile (the
   * claim came after it): its messages are the store's, and the client will not send again what
   * it says was received, so those are delivered here.
   */
  #save(change: SessionChange, then?: () => void): void {
    const hold = this.#hold;
    this.#serial.run(
      () => this.#settings.store.update(this.id, this.holder, change),
      (saved) => {
        if (this.#ended || hold !== this.#hold) return; // (held again since: the store's state was reloaded)
        if (saved) then?.();
        else if (this.#holding) this.#lostHold();
      },
    );
  }

  readonly #onStoreEvent = (event: SessionStoreEvent): void => {
    if (this.#ended) return;
    if (event.type === 'ended') {
      // Ended by another server (a close 1000 there, or its expiry): close ours the same way.
      const connection = this.#connection;
      this.#connection = undefined;
      connection?.close(1000, event.reason === 'closed' ? 'session closed' : 'session expired');
      this.#end(event.reason === 'expired' ? 'expired' : 'disconnected');
    } else if (event.type === 'claimed') {
      if (event.holder !== this.holder && this.#holding) this.#lostHold();
    } else if (this.#holding) this.#readInbox();
  };

  /** Another server took the session: stop serving it, hand over what the store has not got. */
  #lostHold(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#numberedBatch = this.#arrivals = undefined; // never given to the store: handed over below, or replayed by the client
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close(REPLACED, 'resumed elsewhere');
    // What the store has not got goes to the new holder, which numbers it. Saves already asked of
    // the store answer first (in the serial queue): one the store took before the claim is in the
    // new holder's replay buffer and must not go twice. next() from now on publishes behind this.
    const hold = this.#hold;
    this.#handOverPending = true;
    this.#serial.run(() => (hold === this.#hold ? this.#handOver() : undefined));
    this.#disconnected();
  }

  /** A hand-over is waiting for the saves in flight. */
  #handOverPending = false;

  /**
   * Publishes, in order, this Session's own messages the store has not got (numbered and not
   * saved, then queued). The inbox messages it read are still in the store's inbox, for the new holder.
   */
  #handOver(): Awaitable<unknown> {
    this.#handOverPending = false;
    const payloads = this.#outbox.handOver();
    const store = this.#settings.store;
    let next = 0;
    const publishRest = (): Awaitable<unknown> => {
      while (next < payloads.length) {
        const answer = store.publish(this.id, payloads[next++]!);
        if (isPromiseLike(answer)) return Promise.resolve(answer).then(publishRest);
      }
      return undefined;
    };
    return publishRest();
  }

  /** Holding the session again after another server had it: its state as the store has it. */
  #reload(claimed: ClaimedSession): void {
    // Held again before the hand-over ran (the client came back quickly): hand over now, to the
    // inbox this Session reads below. (The claim went through the serial queue: no save from
    // before is still in flight.)
    if (this.#handOverPending) void this.#handOver();
    this.#hold++;
    this.#holding = true;
    this.#outbox.load(claimed.replay, claimed.sent);
    this.#inbox.load(claimed.received);
    this.#outbox.pushFromInbox(claimed.inbox);
    this.#readInbox();
  }

  #storeFailed(error: unknown): void {
    // The store could not save: the guarantees no longer hold on this connection. Back to what
    // the store has (the calls after the failed one are skipped): messages numbered but not
    // saved wait again, unnumbered, at the head of the queue; messages received but not saved
    // were not delivered nor acknowledged, and the client replays them. The client resumes
    // (perhaps elsewhere) from there.
    this.#numberedBatch = this.#arrivals = undefined; // not saved: rolled back below (a pending save of them must not run)
    this.#outbox.rollBack();
    this.#inbox.rollBack();
    // A hand-over waiting behind the failed call was skipped with it: queued again.
    if (this.#handOverPending && !this.#holding) {
      const hold = this.#hold;
      this.#serial.run(() => (hold === this.#hold ? this.#handOver() : undefined));
    }
    const connection = this.#connection;
    if (connection) {
      this.#connection = undefined;
      connection.close(INTERNAL_ERROR, 'session store failure');
      this.#disconnected();
    } else if (!this.#ended && !this.#expiryTimer) this.#scheduleExpiry(this.#settings.expireAfter); // (an expiry check failed: look again later)
    if (this.#closing && !this.#ended) this.#endNow(undefined); // a close 1000 was asked for: the session ends all the same
    reportUnhandledError(error instanceof Error ? error : new Error(`The session store failed for session ${redactId(this.id)}: ${String(error)}`));
  }

  #setState(state: SessionState): void {
    if (this.#state.value !== state) this.#state.next(state);
  }

  #end(state: SessionState): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unwatch();
    this.#inbox.reset();
    this.#expiryTimer?.unsubscribe();
    this.#expiryTimer = undefined;
    this.#outbox.clear();
    this.#onEnd(this);
    this.#setState(state);
    this.#state.complete();
    this.#dropped.complete();
    this.#decodeErrors.complete();
    this.#messages.complete();
  }
}
