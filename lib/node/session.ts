// The server's side of one rxws.session.v1 session: a subject that lives across the client's
// connections (docs/sessions.md, "Server: acceptSessions()"; the protocol: docs/session-protocol.md).
import { BehaviorSubject, Observable, Subject, type Subscription } from 'rxjs';
import { encodeAck, encodeData, encodeWelcome, payloadSize, redactId, type SessionFrame, type SessionPayload } from '../session/protocol.js';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import { FifoQueue } from '../websocket/fifo-queue.js';
import { QueueOverflowError, type DroppedMessage } from '../subject/outbound-queue.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import { ReplayLog, type StoredMessage } from './replay-log.js';
import type { ClaimedSession, SessionChange, SessionStoreEvent } from './session-store.js';
import type { SessionSettings } from './session-options.js';
import type { ConnectionHandler, SessionConnection } from './session-connection.js';
import { Serial } from './serial.js';

/**
 * Where a session is, as its `state$` tells: `'connected'` (a connection of this `Session` is
 * open), `'disconnected'` (none: the client may resume, here or, with a shared store, on another
 * server), `'expired'` (the session ended for want of a connection within `expireAfter`; the
 * last value before completion).
 */
export type SessionState = 'connected' | 'disconnected' | 'expired';

/** What `decodeError$` reports: a client message the `deserializer` threw on (the message is skipped). */
export interface SessionDecodeError {
  /** The message as it arrived: a string, or a `Buffer`. */
  readonly data: string | Buffer;
  /** What the deserializer threw. */
  readonly error: unknown;
}

/** The code a connection is closed with when another connection resumes its session. */
const REPLACED = 4409;
const PROTOCOL_ERROR = 1002;
const INTERNAL_ERROR = 1011;

/** What a serializer may return, as a payload. */
function toPayload(value: unknown): SessionPayload {
  if (typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  throw new TypeError(`Session.next(): the serializer must return a string, a Buffer, an ArrayBuffer or a typed array, not ${value === null ? 'null' : typeof value}.`);
}

function toBuffer(bytes: ArrayBuffer | ArrayBufferView): Buffer {
  return bytes instanceof ArrayBuffer ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  #ended = false;
  #connection: SessionConnection | undefined = undefined;
  #replay: ReplayLog;
  /** Messages waiting for room in the replay buffer (not numbered yet). */
  #queue = new FifoQueue<SessionPayload>();
  /** The seq of the last message numbered, and of the last one the store saved. */
  #sent: number;
  #savedSent: number;
  /** The highest seq received (accepted), and the highest saved (what acknowledgements say). */
  #received: number;
  #savedReceived: number;
  /** Received and saved, not yet acknowledged. */
  #unacknowledged = 0;
  #ackTimer: Subscription | undefined = undefined;
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
    this.#replay = new ReplayLog(record.replay);
    this.#sent = this.#savedSent = record.sent;
    this.#received = this.#savedReceived = record.received;
    this.#unwatch = settings.store.watch(record.id, this.#onStoreEvent);
    this.#enqueueHandedOver(record.inbox);
    this.#takeInbox(); // published between the claim and the watch
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
   * @throws the serializer's error; a `QueueOverflowError` when the queue is full and its policy is `'error'`.
   * @example
   * session.subscribe((order) => session.next({ filled: order.id }));
   */
  next(value: In): void {
    if (this.#ended) return;
    const payload = toPayload(this.#settings.serializer(value));
    if (this.#holding) this.#enqueue(payload);
    else this.#publish(payload);
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
    if (this.#ended) return;
    if (code !== 1000) {
      const connection = this.#connection;
      if (!connection) return;
      this.#connection = undefined;
      connection.close(code, reason);
      return this.#disconnected();
    }
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close(1000, reason);
    this.#serial.run(() => this.#settings.store.end(this.id));
    this.#end('disconnected');
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
    else this.#enqueueHandedOver(claimed.inbox);
    const previous = this.#connection;
    this.#connection = undefined;
    previous?.close(REPLACED, 'replaced by a new connection');
    this.#expiryTimer?.unsubscribe();
    this.#expiryTimer = undefined;
    if (clientReceived > this.#savedSent) {
      connection.close(PROTOCOL_ERROR, 'hello acknowledges messages never sent');
      return this.#disconnected();
    }
    this.#connection = connection;
    connection.send(encodeWelcome(this.id, kind, this.#savedReceived));
    this.#acknowledged(clientReceived);
    this.#unacknowledged = 0;
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
    for (const message of this.#replay.toArray()) if (message.seq <= this.#savedSent) connection.send(encodeData(message.seq, this.#savedReceived, message.payload));
    this.#flushQueue();
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
        if (frame.seq <= this.#received) return; // a duplicate (replayed)
        if (frame.seq > this.#received + 1) return this.#protocolError(connection, `data frame ${frame.seq} after ${this.#received}: a gap`);
        const seq = (this.#received = frame.seq);
        const payload = frame.payload;
        this.#save({ received: seq }, () => {
          this.#savedReceived = seq;
          this.#deliver(payload);
          if (++this.#unacknowledged >= this.#settings.ackEvery) this.#sendAck();
          else this.#ackTimer ??= timerScheduler.schedule(() => this.#sendAck(), this.#settings.ackInterval);
        });
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
    this.#connection = undefined;
    if (code === 1000) {
      this.#serial.run(() => this.#settings.store.end(this.id));
      this.#end('disconnected');
    } else this.#disconnected();
  }

  /** The connection is gone, the session stays: it expires unless resumed within `expireAfter`. */
  #disconnected(): void {
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
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
    const data = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : toBuffer(payload);
    let value: Out;
    try {
      value = this.#settings.deserializer({ data });
    } catch (error) {
      this.#decodeErrors.next({ data, error });
      return;
    }
    this.#messages.next(value);
  }

  #sendAck(): void {
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
    if (this.#unacknowledged === 0) return;
    this.#unacknowledged = 0;
    this.#connection?.send(encodeAck(this.#savedReceived));
  }

  /** The client acknowledged up to `ack`: trims the replay buffer and fills it from the queue. False (and the connection closed) for an ack of a message never sent. */
  #acknowledged(ack: number): boolean {
    if (ack > this.#savedSent) {
      if (this.#connection) this.#protocolError(this.#connection, `acknowledgement ${ack} of a message never sent`);
      return false;
    }
    const first = this.#replay.firstSeq;
    if (first === undefined || ack < first) return true;
    this.#replay.trim(ack);
    this.#save({ acknowledged: ack });
    this.#flushQueue();
    return true;
  }

  #hasRoom(size: number): boolean {
    const replay = this.#replay;
    return replay.length === 0 || (replay.length < this.#settings.replayMessages && replay.bytes + size <= this.#settings.replayBytes);
  }

  /** A new message of this holder: numbered now if the replay buffer has room (and nothing waits before it), else queued. */
  #enqueue(payload: SessionPayload): void {
    const size = payloadSize(payload);
    if (this.#queue.length === 0 && this.#hasRoom(size)) return this.#number(payload, size);
    const { queueLimit, overflow } = this.#settings;
    if (this.#queue.length < queueLimit) return void this.#queue.push(payload);
    if (overflow === 'drop-oldest' && this.#queue.length > 0) {
      const oldest = this.#queue.shift()!;
      this.#queue.push(payload);
      return this.#dropped.next({ data: oldest, reason: 'overflow' });
    }
    this.#dropped.next({ data: payload, reason: 'overflow' });
    if (overflow === 'error') throw new QueueOverflowError(queueLimit, payload);
  }

  /** Messages another Session published for this one: queued like next()'s; an overflow is reported on dropped$ (never thrown at whoever published them). */
  #enqueueHandedOver(payloads: readonly SessionPayload[]): void {
    for (const payload of payloads) {
      try {
        this.#enqueue(payload);
      } catch (error) {
        if (!(error instanceof QueueOverflowError)) throw error;
      }
    }
  }

  #flushQueue(): void {
    const queue = this.#queue;
    while (queue.length > 0 && this.#holding) {
      const size = payloadSize(queue.peek()!);
      if (!this.#hasRoom(size)) return;
      this.#number(queue.shift()!, size);
    }
  }

  /** Numbers `payload`, keeps it for replay, and sends it once the store has saved it. */
  #number(payload: SessionPayload, size: number): void {
    const message: StoredMessage = { seq: ++this.#sent, payload };
    this.#replay.push(message, size);
    this.#save({ append: message }, () => {
      this.#savedSent = message.seq;
      const connection = this.#connection;
      if (!connection) return;
      connection.send(encodeData(message.seq, this.#savedReceived, payload));
      if (this.#unacknowledged > 0) {
        this.#unacknowledged = 0; // the data frame acknowledged them
        this.#ackTimer?.unsubscribe();
        this.#ackTimer = undefined;
      }
    });
  }

  #publish(payload: SessionPayload): void {
    this.#serial.run(() => this.#settings.store.publish(this.id, payload));
  }

  #takeInbox(): void {
    this.#serial.run(
      () => this.#settings.store.takeInbox(this.id, this.holder),
      (inbox) => {
        if (!this.#ended && this.#holding) this.#enqueueHandedOver(inbox);
      },
    );
  }

  /** Saves `change` as the holder, then runs `then`; a refusal means another server took the session. */
  #save(change: SessionChange, then?: () => void): void {
    this.#serial.run(
      () => this.#settings.store.update(this.id, this.holder, change),
      (saved) => {
        if (this.#ended || !this.#holding) return;
        if (saved) then?.();
        else this.#lostHold();
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
    } else if (this.#holding) this.#takeInbox();
  };

  /** Another server took the session: stop serving it, hand over what the store has not got. */
  #lostHold(): void {
    if (!this.#holding) return;
    this.#holding = false;
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close(REPLACED, 'resumed elsewhere');
    // Numbered but not saved (a store that answers later), then queued: the new holder numbers them.
    for (const message of this.#replay.toArray()) if (message.seq > this.#savedSent) this.#publish(message.payload);
    while (this.#queue.length > 0) this.#publish(this.#queue.shift()!);
    this.#replay = new ReplayLog();
    this.#disconnected();
  }

  /** Holding the session again after another server had it: its state as the store has it. */
  #reload(claimed: ClaimedSession): void {
    this.#holding = true;
    this.#replay = new ReplayLog(claimed.replay);
    this.#sent = this.#savedSent = claimed.sent;
    this.#received = this.#savedReceived = claimed.received;
    this.#enqueueHandedOver(claimed.inbox);
    this.#takeInbox();
  }

  #storeFailed(error: unknown): void {
    // The store could not save: the guarantees no longer hold on this connection. Back to what
    // the store has (the calls after the failed one are skipped): messages numbered but not
    // saved wait again, unnumbered, at the head of the queue; messages received but not saved
    // were not delivered nor acknowledged, and the client replays them. The client resumes
    // (perhaps elsewhere) from there.
    if (this.#sent > this.#savedSent) {
      const queue = new FifoQueue<SessionPayload>();
      for (const message of this.#replay.toArray()) if (message.seq > this.#savedSent) queue.push(message.payload);
      while (this.#queue.length > 0) queue.push(this.#queue.shift()!);
      this.#queue = queue;
      this.#replay.truncate(this.#savedSent);
      this.#sent = this.#savedSent;
    }
    this.#received = this.#savedReceived;
    const connection = this.#connection;
    if (connection) {
      this.#connection = undefined;
      connection.close(INTERNAL_ERROR, 'session store failure');
      this.#disconnected();
    }
    reportUnhandledError(error instanceof Error ? error : new Error(`The session store failed for session ${redactId(this.id)}: ${String(error)}`));
  }

  #setState(state: SessionState): void {
    if (this.#state.value !== state) this.#state.next(state);
  }

  #end(state: SessionState): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unwatch();
    this.#ackTimer?.unsubscribe();
    this.#expiryTimer?.unsubscribe();
    this.#ackTimer = this.#expiryTimer = undefined;
    this.#queue.clear();
    this.#replay = new ReplayLog();
    this.#onEnd(this);
    this.#setState(state);
    this.#state.complete();
    this.#dropped.complete();
    this.#decodeErrors.complete();
    this.#messages.complete();
  }
}
