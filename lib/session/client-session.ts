// The client's end of a resumable session (docs/session-protocol.md): one per subject, living
// across its connections. It numbers what next() sends and keeps it until acknowledged, drops
// duplicates of what it receives, acknowledges, and on each new connection resumes (replaying
// what the server has not received) or reports what was lost.
import { Subject, type Subscription } from 'rxjs';
import { describe } from '../common/options.js';
import { timerScheduler } from '../scheduling/timer-scheduler.js';
import { createMessageEvent } from '../websocket/platform.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';
import { kSendPrefixedText, type EventSink, type PrefixedTextSender } from '../websocket/controls.js';
import { CLOSING, OPEN, type Connection } from '../subject/connection.js';
import type { SubjectCore } from '../subject/core.js';
import type { EngineSession, SessionEvent, SessionTap } from '../subject/features.js';
import { decodeFrame, encodeAck, encodeData, encodeHello, encodeUnsequenced, payloadSize, SESSION_PROTOCOL, type SessionFrame, type SessionPayload } from './protocol.js';
import type { SessionSettings } from './options.js';
import { SessionError } from './session-error.js';

type AnyConnection = Connection<unknown, unknown>;

/** A sent message kept until the server acknowledges it. */
interface Unacknowledged {
  readonly seq: number;
  readonly data: WebSocketMessage;
  readonly size: number;
}

/** The close code with which the client leaves a server that broke the protocol (1002 is the server's; a client may not send it). */
const PROTOCOL_ERROR = 4002;
/** The close code of a connection whose session another connection resumed. */
const REPLACED = 4409;

/** @internal A subject's session (see the header). */
export class ClientSession implements EngineSession {
  readonly #engine: SubjectCore<unknown, unknown>;
  readonly #settings: SessionSettings;
  readonly #events = new Subject<SessionEvent>();
  readonly events = this.#events.asObservable();

  /** The session's id, once the server gave one (null: none yet, or it ended). */
  #id: string | null = null;
  /** The seq of the last message sent. */
  #sent = 0;
  /** The highest seq received (all before it were received too). */
  #received = 0;
  /** Sent and not yet acknowledged, oldest first (from #head). */
  #replay: Unacknowledged[] = [];
  #head = 0;
  #replayBytes = 0;
  /** Messages the replay buffer had no room for, oldest first: they go before the outbound queue. */
  #held: WebSocketMessage[] = [];
  /** The session holds next() back (the engine's `gated`) until acknowledgements make room. */
  #blocking = false;
  /** Messages received and not acknowledged yet, and the timer that will acknowledge them. */
  #unacked = 0;
  #ackTimer: Subscription | undefined = undefined;
  /** The connection waiting for the server's welcome, then the one the session runs on. */
  #opening: AnyConnection | undefined = undefined;
  #live: AnyConnection | undefined = undefined;
  #welcomeTimer: Subscription | undefined = undefined;
  /** @internal (EngineSession's) */
  declare tap?: SessionTap;

  constructor(engine: SubjectCore<unknown, unknown>, settings: SessionSettings) {
    this.#engine = engine;
    this.#settings = settings;
  }

  /** @internal (EngineSession's) The server's welcome numbers what is sent next. */
  seed(id: string, received: number): void {
    this.#id = id;
    this.#received = received;
    this.#sent = Number.MAX_SAFE_INTEGER;
  }

  // ---- opening ----------------------------------------------------------------------------

  open(connection: object): void {
    const c = connection as AnyConnection;
    const socket = c.socket!;
    const protocol = (socket as { protocol?: unknown }).protocol;
    if (protocol !== SESSION_PROTOCOL) {
      const selected = typeof protocol === 'string' && protocol !== '' ? `'${protocol}'` : 'none';
      this.#fail(
        c,
        `the server did not select the subprotocol '${SESSION_PROTOCOL}' (it selected ${selected}): it does not speak the session protocol (docs/session-protocol.md).`,
        1000,
        `${SESSION_PROTOCOL} not selected`,
      );
      return;
    }
    this.#opening = c;
    (c as EventSink).receiveData = receiveData; // (rxws's Node socket: its frames' data, without an event each)
    socket.send(encodeHello(this.#id, this.#received));
    // A server that selected the subprotocol without speaking it may never answer.
    const timeout = this.#settings.welcomeTimeout;
    this.#welcomeTimer = timerScheduler.schedule(() => {
      if (this.#opening === c) this.#fail(c, `the server did not answer the session's hello within ${timeout} ms: does it speak ${SESSION_PROTOCOL}?`, 1000, 'no session welcome');
    }, timeout);
  }

  #welcomed(connection: AnyConnection, frame: Extract<SessionFrame, { type: 'welcome' }>): void {
    this.#opening = undefined;
    this.#stopWelcomeTimer();
    const socket = connection.socket!;
    let lost: SessionEvent | undefined;
    if (frame.kind === 'resumed') {
      if (frame.session !== this.#id || frame.received > this.#sent) {
        this.#protocolError(connection, frame.session !== this.#id ? 'it resumed a session the client did not ask for.' : `it acknowledged message ${frame.received}, never sent.`);
        return;
      }
      this.#acknowledge(frame.received);
      // Replay, in order and with their numbers, what the server has not received.
      for (let i = this.#head; i < this.#replay.length; i++) {
        const { seq, data } = this.#replay[i]!;
        socket.send(encodeData(seq, this.#ack(), data as SessionPayload));
      }
      // (What is kept runs up to #sent; for a seeded session, the welcome says where numbering goes on.)
      this.#sent = frame.received + this.#replay.length - this.#head;
      this.#acked();
    } else {
      if (this.#id !== null) {
        // The server no longer knows the session: what it never acknowledged is not sent again by itself.
        const unacknowledged = [...this.#replay.slice(this.#head).map((m) => m.data), ...this.#held, ...this.#engine.queue.drain()];
        lost = { kind: 'lost', id: this.#id, unacknowledged };
      }
      this.#reset();
    }
    this.#id = frame.session;
    this.#live = connection;
    if (lost !== undefined) this.#events.next(lost);
    this.#events.next({ kind: frame.kind, id: frame.session });
    if (connection.phase >= CLOSING) return; // a session$ observer closed it
    // Messages held for room go before the queue (becomeReady flushes it).
    this.#sendHeld(socket);
    if (this.#held.length === 0 && this.#blocking) {
      this.#blocking = false;
      this.#engine.gated = false;
    }
    this.#engine.continueOpen(connection);
  }

  // ---- sending ----------------------------------------------------------------------------

  send(data: WebSocketMessage): void {
    const size = sizeOf(data);
    if (size > this.#settings.replayBytes) {
      throw new RangeError(`resumable(): a message of ${size} bytes cannot be kept for replay (replayLimit.bytes is ${this.#settings.replayBytes}); it was not sent.`);
    }
    // (The engine sends only on the ready connection, which the session runs on.)
    const socket = this.#live?.socket;
    if (socket === undefined || this.#held.length > 0 || !this.#fits(size)) {
      this.#held.push(data);
      this.#blocking = true;
      this.#engine.gated = true; // next() queues until acknowledgements make room
      return;
    }
    this.#write(socket, data, size);
  }

  direct(data: WebSocketMessage): boolean {
    const socket = this.#live?.socket;
    if (socket === undefined) return false; // no session established on this connection yet
    sizeOf(data); // checks its type
    socket.send(encodeUnsequenced(data as SessionPayload));
    return true;
  }

  #fits(size: number): boolean {
    return this.#replay.length - this.#head < this.#settings.replayMessages && this.#replayBytes + size <= this.#settings.replayBytes;
  }

  #write(socket: WebSocketLike, data: WebSocketMessage, size: number): void {
    const seq = ++this.#sent;
    this.#replay.push({ seq, data, size });
    this.#replayBytes += size;
    this.tap?.sent(seq);
    this.#acked(); // the frame acknowledges what was received
    // rxws's Node socket frames a text message and its envelope without joining them (a copy fewer).
    const ack = this.#ack();
    const sendPrefixed = (socket as PrefixedTextSender)[kSendPrefixedText];
    if (typeof data === 'string' && sendPrefixed !== undefined && sendPrefixed.call(socket, `D${seq}:${ack}:`, data, size)) return;
    socket.send(encodeData(seq, ack, data as SessionPayload));
  }

  #sendHeld(socket: WebSocketLike): void {
    const held = this.#held;
    let sent = 0;
    while (sent < held.length && socket.readyState === OPEN) {
      const data = held[sent]!;
      const size = sizeOf(data);
      if (!this.#fits(size)) break;
      sent++;
      this.#write(socket, data, size);
    }
    if (sent > 0) held.splice(0, sent);
  }

  /** The server acknowledged every message up to `ack`: they leave the replay buffer; room may let held messages go. */
  #acknowledge(ack: number): void {
    this.tap?.acknowledged(ack);
    const replay = this.#replay;
    let head = this.#head;
    while (head < replay.length && replay[head]!.seq <= ack) {
      this.#replayBytes -= replay[head]!.size;
      replay[head++] = undefined as never;
    }
    if (head === replay.length) {
      replay.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= replay.length) {
      replay.splice(0, head);
      head = 0;
    }
    this.#head = head;
    const live = this.#live;
    if (!this.#blocking || live === undefined || this.#engine.openSocket !== live.socket) return;
    this.#sendHeld(live.socket!);
    if (this.#held.length > 0) return;
    this.#blocking = false;
    this.#engine.gated = false;
    this.#engine.gateOpened(); // flushes the queue, then a close that waited for it
  }

  // ---- receiving --------------------------------------------------------------------------

  receive(connection: object, event: MessageEvent): MessageEvent | undefined {
    if (event === this.#carried) {
      this.#carried = undefined;
      return event; // (made from a frame's data: see deliverData)
    }
    return this.receiveData(connection, event.data, event.origin);
  }

  /** The application message of the frame being delivered without a socket event of its own. */
  #carried: MessageEvent | undefined = undefined;

  /** A frame's data from rxws's Node socket (no event made for it): its application message goes to `connection`'s subscribers. */
  deliverData(connection: AnyConnection, data: unknown, origin: string): void {
    const event = this.receiveData(connection, data, origin);
    if (event === undefined) return;
    this.#carried = event; // the connection hands it back to receive(), which lets it through
    connection.receive(event);
    this.#carried = undefined; // (a connection past its open phase does not)
  }

  /** What {@link receive} does, from a frame's data and origin: the event of the application message it carries, if any. */
  receiveData(connection: object, data: unknown, origin: string): MessageEvent | undefined {
    const c = connection as AnyConnection;
    if (c.failure !== undefined) return undefined;
    const frame = decodeFrame(data);
    if (frame === undefined) {
      this.#protocolError(c, `it sent a message that is not a session frame (${describe(typeof data === 'string' ? data.slice(0, 20) : data)}).`);
      return undefined;
    }
    if (frame.type === 'welcome') {
      if (c === this.#opening) this.#welcomed(c, frame);
      else this.#protocolError(c, 'it sent a second welcome.');
      return undefined;
    }
    if (c !== this.#live || frame.type === 'hello') {
      this.#protocolError(c, frame.type === 'hello' ? 'it sent a hello (the client says hello).' : `it sent a ${frame.type} frame before its welcome.`);
      return undefined;
    }
    switch (frame.type) {
      case 'ack':
        this.#checkAck(c, frame.ack);
        return undefined;
      case 'unsequenced':
        return carried(frame.payload, origin);
      default: {
        if (!this.#checkAck(c, frame.ack)) return undefined;
        if (frame.seq <= this.#received) return undefined; // a duplicate (a replay of what arrived before)
        if (frame.seq !== this.#received + 1) {
          this.#protocolError(c, `message ${frame.seq} came after ${this.#received} (a gap).`);
          return undefined;
        }
        this.#received = frame.seq;
        this.tap?.received(frame.seq);
        if (++this.#unacked >= this.#settings.ackEvery) this.#sendAck();
        else this.#ackTimer ??= timerScheduler.schedule(() => this.#sendAck(), this.#settings.ackInterval);
        return carried(frame.payload, origin);
      }
    }
  }

  #checkAck(connection: AnyConnection, ack: number): boolean {
    if (ack > this.#sent) {
      this.#protocolError(connection, `it acknowledged message ${ack}, never sent.`);
      return false;
    }
    this.#acknowledge(ack);
    return true;
  }

  #sendAck(): void {
    const socket = this.#live?.socket;
    this.#acked();
    if (socket !== undefined && socket.readyState === OPEN) socket.send(encodeAck(this.#ack()));
  }

  /** What to acknowledge: what was received (rxws/shared's leader: what every tab has of it). */
  #ack(): number {
    return this.tap?.ackable(this.#received) ?? this.#received;
  }

  /** What was received is acknowledged (by the frame being sent): no ack frame is due. */
  #acked(): void {
    this.#unacked = 0;
    this.#ackTimer?.unsubscribe();
    this.#ackTimer = undefined;
  }

  // ---- closing ----------------------------------------------------------------------------

  closed(connection: object, event: { readonly code?: number; readonly wasClean?: boolean }): void {
    const c = connection as AnyConnection;
    if (c === this.#opening) {
      this.#opening = undefined;
      this.#stopWelcomeTimer();
    } else if (c !== this.#live && c.failure === undefined && event.code === 1006 && refusedSubprotocol(c.lastError)) {
      // The handshake failed because the server selected no (or another) subprotocol (Node tells; a browser does not).
      c.failure = 'session';
      c.failureCause = new SessionError(`the server did not select the subprotocol '${SESSION_PROTOCOL}': it does not speak the session protocol (docs/session-protocol.md).`, 1006);
      return;
    }
    if (c !== this.#live) return;
    this.#live = undefined;
    this.#acked();
    if (c.failure !== undefined) return;
    if (event.code === REPLACED) {
      // Another connection resumed the session: this client must not take it back.
      c.failure = 'session';
      c.failureCause = new SessionError(`another connection resumed this session (close code ${REPLACED}).`, REPLACED);
      this.#end();
    } else if (event.code === 1000 && event.wasClean === true) {
      // A clean 1000 ends the session: the other side read everything sent before the close frame.
      // What waited for room in the replay buffer was never sent: reported lost (a client's own
      // close waits for it; rxws/shared's leader, the tap, sends it again in the next session).
      const held = this.#held;
      const id = this.#id;
      this.#reset();
      this.#id = null;
      if (id !== null && held.length > 0 && this.tap === undefined) this.#events.next({ kind: 'lost', id, unacknowledged: held });
    }
  }

  /** The session is over for this client; what the server never acknowledged is reported lost. */
  #end(): void {
    const unacknowledged = this.#replay.slice(this.#head).map((m) => m.data);
    const id = this.#id;
    this.#reset();
    this.#id = null;
    if (id !== null && unacknowledged.length > 0) this.#events.next({ kind: 'lost', id, unacknowledged });
  }

  #stopWelcomeTimer(): void {
    this.#welcomeTimer?.unsubscribe();
    this.#welcomeTimer = undefined;
  }

  #reset(): void {
    this.#sent = 0;
    this.#received = 0;
    this.#replay = [];
    this.#head = 0;
    this.#replayBytes = 0;
    this.#held = [];
    this.#acked();
  }

  #protocolError(connection: AnyConnection, message: string): void {
    this.#fail(connection, `the server broke the session protocol: ${message}`, PROTOCOL_ERROR, 'session protocol error');
  }

  /** Fails `connection` with a SessionError: closes it, and its subscribers error with that error (reconnect() does not retry it). */
  #fail(connection: AnyConnection, message: string, code: number, reason: string): void {
    if (connection.phase >= CLOSING || connection.failure !== undefined) return;
    connection.failure = 'session';
    connection.failureCause = new SessionError(message, code, reason);
    if (connection === this.#opening) {
      this.#opening = undefined;
      this.#stopWelcomeTimer();
    }
    this.#engine.beginClientClose(connection);
    this.#engine.startClosingHandshake(connection, code, reason);
  }
}

/** The replay buffer's measure of a message; throws for what a session cannot carry. */
function sizeOf(data: WebSocketMessage): number {
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return payloadSize(data);
  throw new TypeError(`resumable(): a session message must be a string, an ArrayBuffer or a typed array (what the serializer returns), not ${describe(data)}: a Blob cannot be framed without waiting for it.`);
}

/** A frame's data from rxws's Node socket (see `EventSink.receiveData`): its application message, if any, goes to the connection's subscribers. */
function receiveData(this: EventSink, data: unknown, origin: string): void {
  const connection = this as unknown as AnyConnection;
  (connection.core.session as unknown as ClientSession).deliverData(connection, data, origin);
}

/** The application message a frame carried, as the deserializer and subscribers see it. */
function carried(payload: SessionPayload, origin: string): MessageEvent {
  return createMessageEvent(payload, origin) as unknown as MessageEvent;
}

/** Whether a failed handshake's error says the server's subprotocol was missing or not the one asked for (`ws`: "Server sent no subprotocol"; undici: "Protocol was not set in the opening handshake"). */
function refusedSubprotocol(lastError: Event | undefined): boolean {
  const error = (lastError as { error?: unknown } | undefined)?.error;
  const message = error instanceof Error ? error.message : '';
  return /subprotocol|protocol was not set/i.test(message);
}
