// One `ws` connection speaking rxws.session.v1 on the server: its listeners, the frames that
// arrive before a Session takes them (they wait, in order), sending, closing.
import type { Socket } from 'node:net';
import type { RawData, WebSocket as WsSocket } from 'ws';
import { decodeFrame, encodeData, type SessionFrame } from '../session/protocol.js';
import { dataFrames, type DataMessage } from './data-frames.js';
import { tcpSocketOf } from '../internals/ws.js';

/** @internal What a {@link SessionConnection} reports to whoever handles it. */
export interface ConnectionHandler {
  /** A frame arrived (undefined: not a well-formed frame). */
  frame(frame: SessionFrame | undefined): void;
  /** The connection closed, with the code the peer sent (or 1005/1006). */
  closed(code: number): void;
}

const OPEN = 1;
// Coalescing pays for small frames; past this many bytes held, the batch is written at once.
const COALESCE_LIMIT = 64 * 1024;

function uncork(connection: SessionConnection): void {
  connection.uncork();
}

/** `ws`'s message data as a frame decodes it: text as a string, binary as one Buffer. */
function toFrame(data: RawData, isBinary: boolean): SessionFrame | undefined {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return decodeFrame(isBinary ? bytes : bytes.toString('utf8'));
}

/**
 * @internal A server-side session connection. Its listeners on the `ws` socket stay until the
 * socket's `close` event (an `error` listener included: `ws` would throw an error nobody listens
 * to), then all go.
 */
export class SessionConnection {
  readonly #ws: WsSocket;
  /** The TCP socket (the upgrade request's: the public route to it), corked to coalesce a tick's frames. */
  readonly #tcp: Socket | undefined;
  /** The TCP socket `ws` writes to, when data frames may be written there directly (see {@link sendData}). */
  readonly #framesTo: Socket | undefined;
  #corked = false;
  #corkedBytes = 0;
  #handler: ConnectionHandler | undefined = undefined;
  /** Frames that arrived before a handler was set (and the close, if it came too). */
  #waiting: (SessionFrame | undefined)[] = [];
  #closeCode: number | undefined = undefined;

  constructor(ws: WsSocket, tcp?: Socket) {
    this.#ws = ws;
    this.#tcp = typeof tcp?.cork === 'function' ? tcp : undefined;
    // Frames are written straight to the TCP socket only when it is known to be the one ws writes to.
    this.#framesTo = this.#tcp !== undefined && tcpSocketOf(ws) === this.#tcp ? this.#tcp : undefined;
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onError);
  }

  /** Whether the socket is open (a send would go out). */
  get isOpen(): boolean {
    return this.#ws.readyState === OPEN;
  }

  /** Whether the socket's `close` event has come. */
  get isClosed(): boolean {
    return this.#closeCode !== undefined;
  }

  /**
   * Hands the connection to `handler`: the frames that waited are given to it now, in order (and
   * the close, if it came). `undefined` detaches: later frames are ignored.
   */
  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (!handler) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const frame of waiting) {
      if (this.#handler !== handler) return;
      handler.frame(frame);
    }
    if (this.#closeCode !== undefined && this.#handler === handler) handler.closed(this.#closeCode);
  }

  /** Sends one frame, when the socket is open (otherwise the frame is not sent: the session replays it on resume). */
  send(frame: string | Uint8Array): void {
    if (this.#ws.readyState !== OPEN) return;
    this.#cork();
    this.#ws.send(frame);
    if (this.#corked && (this.#corkedBytes += frame.length) >= COALESCE_LIMIT) this.uncork();
  }

  /**
   * Sends the data frames of `messages` (each acknowledging `ack`), when the socket is open.
   * Where `ws` writes its own frames straight to the TCP socket (no extension negotiated: its
   * sender queues frames only while compressing them, or while reading a Blob, which a session
   * never sends), they are framed here into one buffer and written at once, keeping their place
   * among `ws`'s frames; otherwise each goes through `ws.send()`.
   */
  sendData(messages: readonly DataMessage[], ack: number): void {
    if (this.#ws.readyState !== OPEN || messages.length === 0) return;
    const tcp = this.#framesTo;
    if (tcp === undefined || this.#ws.extensions !== '') {
      for (const { seq, payload } of messages) this.send(encodeData(seq, ack, payload));
      return;
    }
    this.#cork(); // (with this tick's acks and welcome)
    const frames = dataFrames(messages, ack);
    tcp.write(frames);
    if ((this.#corkedBytes += frames.length) >= COALESCE_LIMIT) this.uncork();
  }

  /** The frames of one tick (a welcome, acks, data) leave in one write, as rxws's own WebSocket coalesces (lib/websocket/outbox.ts): corked at the first, uncorked before any I/O. */
  #cork(): void {
    const tcp = this.#tcp;
    if (tcp !== undefined && !this.#corked) {
      tcp.cork();
      this.#corked = true;
      process.nextTick(uncork, this);
    }
  }

  /** @internal Writes what this tick's coalescing holds. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#corkedBytes = 0;
    this.#tcp!.uncork();
  }

  /** Starts the closing handshake (after what was sent before it); no more frames are handled. */
  close(code: number, reason?: string): void {
    this.#handler = undefined;
    this.#waiting = [];
    if (this.#closeCode === undefined) this.#ws.close(code, reason);
  }

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    const frame = toFrame(data, isBinary);
    if (this.#handler) this.#handler.frame(frame);
    else this.#waiting.push(frame);
  };

  readonly #onClose = (code: number): void => {
    this.#closeCode = code;
    const ws = this.#ws;
    ws.off('message', this.#onMessage);
    ws.off('close', this.#onClose);
    ws.off('error', this.#onError);
    const handler = this.#handler;
    this.#handler = undefined;
    handler?.closed(code);
  };

  // ws closes the connection itself after an error (and then emits 'close').
  readonly #onError = (): void => undefined;
}
