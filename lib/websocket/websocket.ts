// The WHATWG WebSocket interface (https://websockets.spec.whatwg.org/) on Node, over `ws`.
// `ws` speaks the protocol; this class gives it the platform's surface: DOMExceptions, the
// close-code rules, event order, `wasClean` and a `bufferedAmount` that counts payload bytes.
import { types } from 'node:util';
import type { WebSocket as WsSocket, RawData } from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { parseCloseArguments } from './close-code.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, type BinaryType, type ReadyState, type StandardBinaryType, type WebSocketData } from './constants.js';
import { kBinaryTypeOption, kEventSink, kNodeControls, type EventSink, type NodeControls } from './controls.js';
import { runEventHandler, type EventHandler, type StoredHandler } from './event-handlers.js';
import { CloseEvent, ErrorEvent, createMessageEvent, webIdlInterface } from './events.js';
import type { WebSocketInit } from './init.js';
import type { NodeWebSocketOptions } from './node-options.js';
import { FifoQueue } from './fifo-queue.js';
import { planDial, type AuthenticationRetry } from './handshake.js';
import { copyBytes, originOf, textOf, toBinaryType, warnNodebufferAttribute } from './message-data.js';
import { Controls, kAddWriteListener, kUncork } from './node-controls.js';
import {
  DialledWs,
  adoptWs,
  kOnClose,
  kOnError,
  kOnMessage,
  kOnOpen,
  kOnUnexpectedResponse,
  kOnUpgrade,
  kOwner,
  type OwnedWs,
} from './ws-events.js';
import { leanEventTargetClass, shareEventTargetMaps } from '../internals/node.js';
import { closedCleanly, receiverIsDrained, tcpSocketOf } from '../internals/ws.js';

const kHandshakeTimedOut = Symbol('rxws.handshakeTimedOut');
const kRunHandler = Symbol('rxws.runHandler');
// `ws.send()` options, made once (`ws` copies them).
const SEND_BINARY = Object.freeze({ binary: true });
const SEND_TEXT = Object.freeze({ binary: false });
// Bits of WebSocket's #flags.
const STATE_MASK = 3; // the two low bits: our readyState (CONNECTING..CLOSED)
const COPY_BINARY = 4; // an adopted server-side socket: unmasked frames reference the caller's bytes
const COALESCE = 8; // the writes of a tick are corked together
const READING_BLOB = 16; // a queued Blob is being read; later sends wait behind it
const BINARY_TYPE_SHIFT = 5; // two bits: the index of binaryType in BINARY_TYPES
const BINARY_TYPE_MASK = 3 << BINARY_TYPE_SHIFT;
const BINARY_TYPES: readonly BinaryType[] = ['blob', 'arraybuffer', 'nodebuffer'];
// Coalescing pays for small messages; past this many bytes held, the batch is written at once
// (holding large frames until the end of the tick only delays them).
const COALESCE_LIMIT = 64 * 1024;
/** Internal: adopt an accepted `ws` socket instead of dialling (see `wrapWebSocket`). */
export const kAdopt = Symbol('rxws.adopt');

// The listener of every handler attribute, for every socket and event type (a listener is called
// with its target as `this`, and the event says which attribute): `onmessage` costs no closure.
type HandlerType = 'open' | 'message' | 'error' | 'close';
type Handlers = Record<HandlerType, StoredHandler | null>;
function runHandlerAttribute(this: WebSocket, event: Event): void {
  this[kRunHandler](event.type as HandlerType, event);
}

function uncork(socket: WebSocket): void {
  socket[kUncork]();
}
function destroyStream(this: Socket): void {
  this.destroy();
}
function onHandshakeTimeout(socket: WebSocket): void {
  socket[kHandshakeTimedOut]();
}
/** A send that waits behind a Blob being read, or the close that follows such sends. */
interface PendingOperation {
  data: string | Uint8Array | Blob | null; // null: the close frame
  binary: boolean;
  size: number;
  closeCode?: number | undefined;
  closeReason?: string;
}

/** What a socket seldom sets (see WebSocket's #seldom). */
class SeldomSocketState {
  failure: Error | undefined = undefined;
  pending: FifoQueue<PendingOperation> | undefined = undefined;
  controls: NodeControls | undefined = undefined;
  writeListeners: (() => void) | (() => void)[] | undefined = undefined;
  extensions = '';
  // Set while CONNECTING when the URL has credentials and no 401 has been answered yet; cleared at
  // open and close.
  authenticationRetry: AuthenticationRetry | undefined = undefined;
}

/** Adoption details for a socket accepted by a `ws` server (see `wrapWebSocket`). */
export interface AdoptOptions {
  [kAdopt]: WsSocket;
  /** Its TCP socket (the upgrade request's `socket`), when known: writes are corked on it. */
  tcp?: Socket | undefined;
  coalesce?: boolean | undefined;
  binaryType?: BinaryType | undefined;
}

/**
 * The WHATWG `WebSocket` for Node, built on `ws`: the same constructor, attributes, methods,
 * events and exceptions as a browser's, plus Node-only options as a third argument.
 *
 * @example
 * const socket = new WebSocket('ws://127.0.0.1:8080', 'chat', { headers: { authorization: token } });
 * socket.onopen = () => socket.send('hello');
 * socket.onmessage = (e) => console.log(e.data);
 * socket.onclose = (e) => console.log('closed', e.code, e.reason, e.wasClean);
 */
export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;

  // Replaced once at most: when a 401 is answered by a second handshake with the URL's credentials.
  #ws: OwnedWs;
  readonly #url: string;
  // Computed at the first message (an idle connection keeps no string for it).
  #origin: string | undefined = undefined;
  // The state | COPY_BINARY | COALESCE | READING_BLOB | the binaryType: one field rather than five.
  #flags = 0;
  // The TCP socket under `ws` (from the 'upgrade' response, or the adopter): corked to coalesce.
  #tcp: Socket | undefined = undefined;
  #corked: Socket | undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #corkedBytes = 0;
  #bufferedAmount = 0;
  // Sizes of the writes handed to `ws`, in order; `ws` completes writes in order.
  #inFlight: FifoQueue<number> | undefined;
  #onWritten: ((error?: Error | null) => void) | undefined;
  /** @internal See `kEventSink`: the subject layer's single listener. */
  [kEventSink]: EventSink | undefined = undefined;
  // The on… attributes, made when one is first set (many sockets use listeners only).
  #handlers: Handlers | undefined = undefined;
  // Sends waiting behind a Blob, write listeners, Node controls, negotiated extensions and the
  // failure to report: made on first write (an idle connection keeps none).
  #seldom: SeldomSocketState | undefined = undefined;

  get #state(): ReadyState {
    return (this.#flags & STATE_MASK) as ReadyState;
  }
  set #state(state: ReadyState) {
    this.#flags = (this.#flags & ~STATE_MASK) | state;
  }

  get #more(): SeldomSocketState {
    return (this.#seldom ??= new SeldomSocketState());
  }
  get #failure(): Error | undefined {
    return this.#seldom?.failure;
  }
  set #failure(error: Error | undefined) {
    if (error !== undefined || this.#seldom !== undefined) this.#more.failure = error;
  }
  // Operations queued behind a Blob that is being read, so message order holds.
  get #pending(): FifoQueue<PendingOperation> | undefined {
    return this.#seldom?.pending;
  }
  set #pending(queue: FifoQueue<PendingOperation> | undefined) {
    if (queue !== undefined || this.#seldom !== undefined) this.#more.pending = queue;
  }
  get #controls(): NodeControls | undefined {
    return this.#seldom?.controls;
  }
  set #controls(controls: NodeControls | undefined) {
    this.#more.controls = controls;
  }
  // One write listener (the usual case) or several; no Set for an idle connection.
  get #writeListeners(): (() => void) | (() => void)[] | undefined {
    return this.#seldom?.writeListeners;
  }
  set #writeListeners(listeners: (() => void) | (() => void)[] | undefined) {
    if (listeners !== undefined || this.#seldom !== undefined) this.#more.writeListeners = listeners;
  }
  // The Sec-WebSocket-Extensions the server agreed to ('' for none, the usual case).
  get #extensions(): string {
    return this.#seldom?.extensions ?? '';
  }
  set #extensions(extensions: string) {
    if (extensions !== '' || this.#seldom !== undefined) this.#more.extensions = extensions;
  }
  // In #flags: the index of the type in BINARY_TYPES.
  get #binaryType(): BinaryType {
    return BINARY_TYPES[(this.#flags & BINARY_TYPE_MASK) >> BINARY_TYPE_SHIFT]!;
  }
  set #binaryType(type: BinaryType) {
    this.#flags = (this.#flags & ~BINARY_TYPE_MASK) | (BINARY_TYPES.indexOf(type) << BINARY_TYPE_SHIFT);
  }

  /**
   * Opens a connection to `url`.
   *
   * @param url An absolute ws:, wss:, http: or https: URL without a fragment.
   * @param protocols One subprotocol or a list of them (any iterable), offered in order; or, as
   *   Node's built-in WebSocket takes it, a {@link WebSocketInit} dictionary
   *   `{ protocols?, headers? }` (an object without `Symbol.iterator`).
   * @param options Node only: `ws` client options (headers, agent, TLS, handshakeTimeout,
   *   binaryType 'nodebuffer', ...), with a dictionary as second argument too. A third argument
   *   that is not an object is ignored, as WebIDL ignores extra arguments.
   * @throws DOMException `SyntaxError` for a bad URL or subprotocol list; `TypeError` for bad
   *   options, bad dictionary `headers`, a `dispatcher`, or a Node option in the dictionary.
   *
   * @example
   * new WebSocket(url, ['v2.json', 'v1.json']);
   * new WebSocket(url, { protocols: 'v2.json', headers: { authorization: `Bearer ${token}` } });
   * new WebSocket(url, { headers: { cookie } }, { agent: proxyAgent });
   */
  constructor(url: string | URL, protocols?: string | string[] | WebSocketInit, options?: NodeWebSocketOptions) {
    super();
    shareEventTargetMaps(this);
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) options = undefined;
    const adopted = (options as AdoptOptions | undefined)?.[kAdopt];
    if (adopted !== undefined) {
      // A socket accepted by a `ws` server: already open, nothing to dial. It keeps whatever
      // `binaryType` its owner gave it (other listeners may rely on it), converted the same way.
      const adoption = options as unknown as AdoptOptions;
      this.#url = String(url);
      this.#ws = adoptWs(adopted, this);
      this.#tcp = adoption.tcp ?? tcpSocketOf(adopted);
      this.#state = adopted.readyState as ReadyState;
      this.#extensions = adopted.extensions;
      // Unmasked server frames reference the caller's bytes until written: copy them.
      this.#flags |= COPY_BINARY | (adoption.coalesce !== false ? COALESCE : 0);
      if (adoption.binaryType !== undefined) this.#binaryType = adoption.binaryType;
      return;
    }
    // WebIDL converts the arguments (TypeErrors) before the steps check them (SyntaxErrors).
    const plan = planDial(url, protocols, options);
    if (plan.binaryType !== undefined) this.#binaryType = plan.binaryType;
    if (plan.authenticationRetry !== undefined) this.#more.authenticationRetry = plan.authenticationRetry;
    if (plan.coalesce) this.#flags |= COALESCE;
    // Our own timer rather than `ws`'s (a socket timeout that Node keeps allocated for the life
    // of the connection): it is gone once the handshake ends.
    if (plan.handshakeTimeout !== undefined && plan.handshakeTimeout > 0) {
      this.#handshakeTimer = setTimeout(onHandshakeTimeout, plan.handshakeTimeout, this);
    }
    this.#state = CONNECTING;
    this.#ws = new DialledWs(this, plan.href, plan.protocols, plan.wsOptions);
    // The same serialization, parsed again by `ws`: keep its string rather than a second one.
    this.#url = this.#ws.url === plan.url ? this.#ws.url : plan.url;
    // A socket we dial delivers Buffers, converted per message; its events reach us through
    // DialledWs.emit().
    this.#ws.binaryType = 'nodebuffer';
  }

  /** The URL this socket connects to, serialized (http(s) mapped to ws(s)). */
  get url(): string {
    return this.#url;
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    // `ws` enters CLOSING itself when the server starts the closing handshake.
    if (this.#state === OPEN && this.#ws.readyState === CLOSING) return CLOSING;
    return this.#state;
  }

  /** Payload bytes given to `send()` and not yet handed to the network (framing not counted). */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  /** The extensions the server selected (the `Sec-WebSocket-Extensions` response header), or `''`. */
  get extensions(): string {
    return this.#extensions;
  }

  /** The subprotocol the server selected, or `''`. */
  get protocol(): string {
    return this.#state === CONNECTING ? '' : this.#ws.protocol;
  }

  /**
   * How binary messages are delivered: `'blob'` (default) or `'arraybuffer'`; any other value is
   * ignored. `Buffer`s are chosen through the Node options (`{ binaryType: 'nodebuffer' }`), and
   * the attribute then reads `'nodebuffer'` until `'blob'` or `'arraybuffer'` is assigned.
   */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(type: StandardBinaryType) {
    // WebIDL enumeration attribute: an unknown value is ignored, not an error.
    if (type === 'blob' || type === 'arraybuffer') this.#binaryType = type;
    else if ((type as string) === 'nodebuffer') warnNodebufferAttribute();
  }

  /** @internal See `kBinaryTypeOption`: the Node options' binaryType, for a socket made elsewhere. */
  set [kBinaryTypeOption](type: BinaryType) {
    this.#binaryType = type;
  }

  /** Called with the `open` event. */
  get onopen(): EventHandler<WebSocket, Event> {
    return (this.#handlers?.open ?? null) as EventHandler<WebSocket, Event>;
  }
  set onopen(handler: EventHandler<WebSocket, Event>) {
    this.#setHandler('open', handler);
  }

  /** Called with each `message` event. */
  get onmessage(): EventHandler<WebSocket, MessageEvent> {
    return (this.#handlers?.message ?? null) as EventHandler<WebSocket, MessageEvent>;
  }
  set onmessage(handler: EventHandler<WebSocket, MessageEvent>) {
    this.#setHandler('message', handler);
  }

  /** Called with the `error` event. */
  get onerror(): EventHandler<WebSocket, Event> {
    return (this.#handlers?.error ?? null) as EventHandler<WebSocket, Event>;
  }
  set onerror(handler: EventHandler<WebSocket, Event>) {
    this.#setHandler('error', handler);
  }

  /** Called with the `close` event. */
  get onclose(): EventHandler<WebSocket, CloseEvent> {
    return (this.#handlers?.close ?? null) as EventHandler<WebSocket, CloseEvent>;
  }
  set onclose(handler: EventHandler<WebSocket, CloseEvent>) {
    this.#setHandler('close', handler);
  }

  /**
   * Queues `data` to be sent: a string as a text message, an `ArrayBuffer`, view or `Blob` as a
   * binary one. Order is kept across types (a Blob is read first). After the closing handshake has
   * started nothing is sent, but `bufferedAmount` still grows, as the spec says.
   *
   * @throws DOMException `InvalidStateError` while CONNECTING.
   */
  send(data: WebSocketData): void {
    if (arguments.length === 0) {
      throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    }
    const state = this.readyState;
    if (state === CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
    }
    let payload: string | Uint8Array | Blob;
    let size: number;
    let binary = true;
    if (typeof data === 'string') {
      payload = data;
      size = Buffer.byteLength(data);
      binary = false;
    } else if (types.isArrayBuffer(data)) {
      // (util.types, not instanceof: the buffer may come from another realm, e.g. a vm context)
      payload = new Uint8Array(data);
      size = data.byteLength;
    } else if (ArrayBuffer.isView(data)) {
      if (types.isSharedArrayBuffer(data.buffer)) {
        throw new TypeError("Failed to execute 'send' on 'WebSocket': The provided ArrayBufferView value must not be shared.");
      }
      payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      size = data.byteLength;
    } else if (data instanceof Blob) {
      payload = data;
      size = data.size;
    } else {
      // WebIDL: anything else is converted with ToString (USVString), a bare SharedArrayBuffer
      // too (it is not a BufferSource): it is sent as the text "[object SharedArrayBuffer]".
      payload = String(data);
      size = Buffer.byteLength(payload);
      binary = false;
    }
    // The spec grows bufferedAmount on every send that does not throw, even after CLOSING.
    this.#bufferedAmount += size;
    if (state !== OPEN) return;
    if (this.#pending !== undefined || payload instanceof Blob) {
      if (payload instanceof Uint8Array) payload = copyBytes(payload); // held: the caller may reuse it
      this.#enqueue({ data: payload, binary, size });
      return;
    }
    this.#write(payload, binary, size);
  }

  /**
   * Starts the closing handshake (or fails a connection still CONNECTING). A second call does
   * nothing.
   *
   * @param code 1000 or 3000-4999; omitted, the close frame carries no code (the peer sees 1005).
   * @param reason At most 123 UTF-8 bytes.
   * @throws DOMException `InvalidAccessError` for another code, `SyntaxError` for a longer reason.
   */
  close(code?: number, reason?: string): void {
    const request = parseCloseArguments(code, reason);
    const state = this.readyState;
    if (state === CLOSING || state === CLOSED) return;
    this.#state = CLOSING;
    if (state === CONNECTING) {
      // "Fail the WebSocket connection": `ws` aborts the handshake, then reports error and close.
      this.#ws.close();
      return;
    }
    // A reason without a code is sent with 1000 (close the WebSocket, step 5).
    const wireCode = request.code ?? (request.reason === '' ? undefined : 1000);
    if (this.#pending !== undefined) {
      this.#enqueue({ data: null, binary: false, size: 0, closeCode: wireCode, closeReason: request.reason });
      return;
    }
    this.#ws.close(wireCode, request.reason);
  }

  #setHandler(type: HandlerType, handler: unknown): void {
    const handlers = this.#handlers;
    if (typeof handler !== 'function') {
      // Anything but a function is null, and removes the attribute's listener.
      if (handlers === undefined || handlers[type] === null) return;
      handlers[type] = null;
      this.removeEventListener(type, runHandlerAttribute);
      return;
    }
    const record = handlers ?? (this.#handlers = { open: null, message: null, error: null, close: null });
    const listening = record[type] !== null;
    record[type] = handler as StoredHandler;
    // A replaced handler keeps its listener's place in the list.
    if (!listening) this.addEventListener(type, runHandlerAttribute);
  }

  /** @internal The listener of the `type` handler attribute. */
  [kRunHandler](type: HandlerType, event: Event): void {
    runEventHandler(this, this.#handlers?.[type], event);
  }

  /** Node-only hooks (ping/pong, pause/resume, terminate, write completion): see `getNodeControls`. */
  get [kNodeControls](): NodeControls {
    return (this.#controls ??= new Controls(this, this.#ws));
  }

  /** @internal */
  [kAddWriteListener](listener: () => void): () => void {
    const current = this.#writeListeners;
    if (current === undefined) this.#writeListeners = listener;
    else if (typeof current === 'function') this.#writeListeners = [current, listener];
    else this.#writeListeners = [...current, listener];
    return () => {
      const now = this.#writeListeners;
      if (now === listener) this.#writeListeners = undefined;
      else if (Array.isArray(now)) {
        const rest = now.filter((l) => l !== listener);
        this.#writeListeners = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest;
      }
    };
  }

  #clearHandshakeTimer(): void {
    if (this.#handshakeTimer === undefined) return;
    clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
  }

  // Dispatches `event`, then hands it to the event sink (after dispatch: `target` is set).
  #emit(event: Event): void {
    this.dispatchEvent(event);
    const sink = this[kEventSink];
    if (sink !== undefined) sink.handleEvent(event);
  }

  #write(payload: string | Uint8Array, binary: boolean, size: number): void {
    if (binary && (this.#flags & COPY_BINARY) !== 0) payload = copyBytes(payload as Uint8Array);
    // Coalescing: the writes of one tick leave in one writev. The socket is corked at the first
    // send of the tick and uncorked on process.nextTick, before any I/O: nothing waits longer.
    if ((this.#flags & COALESCE) !== 0 && this.#corked === undefined && size < COALESCE_LIMIT) {
      const socket = this.#tcp;
      if (socket !== undefined) {
        socket.cork();
        this.#corked = socket;
        process.nextTick(uncork, this);
      }
    }
    (this.#inFlight ??= new FifoQueue<number>()).push(size);
    this.#ws.send(payload, binary ? SEND_BINARY : SEND_TEXT, (this.#onWritten ??= (error) => this.#written(error)));
    if (this.#corked !== undefined && (this.#corkedBytes += size) >= COALESCE_LIMIT) this[kUncork]();
  }

  #written(error?: Error | null): void {
    const size = this.#inFlight!.shift()!;
    // Bytes that never reached the network stay counted, as in browsers after a close.
    if (error) return;
    this.#bufferedAmount -= size;
    const listeners = this.#writeListeners;
    if (listeners === undefined) return;
    if (typeof listeners === 'function') listeners();
    else for (const listener of listeners) listener();
  }

  #enqueue(operation: PendingOperation): void {
    (this.#pending ??= new FifoQueue<PendingOperation>()).push(operation);
    this.#flushPending();
  }

  // Sends queued operations in order, stopping at a Blob until its bytes are read.
  #flushPending(): void {
    const pending = this.#pending;
    if (pending === undefined || (this.#flags & READING_BLOB) !== 0) return;
    while (pending.length > 0) {
      const head = pending.peek()!;
      if (head.data instanceof Blob) {
        this.#flags |= READING_BLOB;
        head.data.arrayBuffer().then(
          (bytes) => {
            head.data = new Uint8Array(bytes);
            this.#flags &= ~READING_BLOB;
            this.#flushPending();
          },
          (error: unknown) => {
            // A Blob that cannot be read fails the connection rather than skipping a message.
            this.#flags &= ~READING_BLOB;
            this.#pending = undefined;
            this.#failure ??= error instanceof Error ? error : new Error(String(error));
            this.#ws.terminate();
          },
        );
        return;
      }
      pending.shift();
      if (this.#ws.readyState !== OPEN) continue; // the connection closed meanwhile: not sent
      if (head.data === null) this.#ws.close(head.closeCode, head.closeReason);
      else this.#write(head.data, head.binary, head.size);
    }
    this.#pending = undefined;
  }

  /** @internal The opening handshake took longer than `handshakeTimeout`: fail the connection. */
  [kHandshakeTimedOut](): void {
    this.#handshakeTimer = undefined;
    if (this.#state !== CONNECTING) return;
    this.#failure ??= new Error('Opening handshake has timed out');
    this.#ws.close(); // aborts the handshake: error, then close 1006
  }

  /** @internal */
  [kUncork](): void {
    const socket = this.#corked;
    this.#corked = undefined;
    this.#corkedBytes = 0;
    socket?.uncork();
  }

  /** @internal */
  [kOnUpgrade](response: IncomingMessage): void {
    // The public route to the TCP socket `ws` is about to take over (the same object).
    this.#tcp = response.socket;
    const extensions = response.headers['sec-websocket-extensions'];
    if (typeof extensions === 'string') this.#extensions = extensions;
  }

  /** @internal */
  [kOnOpen](): void {
    this.#clearHandshakeTimer();
    // The URL's credentials are needed no more (and kept no longer than the handshake).
    if (this.#seldom !== undefined) this.#seldom.authenticationRetry = undefined;
    if (this.#state !== CONNECTING) return;
    this.#state = OPEN;
    this.#emit(new Event('open'));
  }

  /** @internal */
  [kOnMessage](data: RawData | Blob, isBinary: boolean): void {
    // "When a WebSocket message has been received": if readyState is not OPEN, return.
    if (this.readyState !== OPEN) return;
    const value = isBinary ? toBinaryType(data, this.#binaryType) : textOf(data);
    this.#emit(createMessageEvent(value, (this.#origin ??= originOf(this.#url))));
    // When this was the last frame of what `ws` read, what the handlers sent goes out now rather
    // than at the end of the tick: a reply leaves as soon as it would without coalescing, and the
    // replies to a batch of frames parsed from one read still leave together, after the last.
    if (this.#corked !== undefined && receiverIsDrained(this.#ws)) this[kUncork]();
  }

  /**
   * @internal `ws` reports an error. After the handshake that is a protocol error from the server
   * (invalid UTF-8, a reserved opcode, a masked frame, a bad close frame, a message over
   * maxPayload) or a failed write: the spec fails the WebSocket connection. `ws` has queued its
   * close frame (1002, 1007, 1009...) and would wait up to 30 s for the server to close TCP;
   * the connection is destroyed now instead (its close frame written first, unless writes are
   * backed up), so `error` and `close` 1006 follow at once. Messages parsed before the bad frame
   * were delivered already.
   */
  [kOnError](error: Error): void {
    this.#failure ??= error;
    if (this.#state === CONNECTING) return; // `ws` fails the handshake itself: error, then close
    this[kUncork]();
    const tcp = this.#tcp;
    if (tcp === undefined || tcp.destroyed) return;
    // `ws` ends the TCP connection once its close frame is written, and meanwhile drains what is
    // left to read: destroying it then sends a FIN, not a reset that could discard the close
    // frame at the server. A close frame stuck behind a backlog is not waited for.
    if (tcp.writableFinished || tcp.writableLength > 0) tcp.destroy();
    else tcp.once('finish', destroyStream);
  }

  /**
   * @internal The server answered the handshake with another status than 101. On a 401 to a URL
   * with credentials, the handshake is made once more with them as Basic authorization (Fetch's
   * HTTP-network-or-cache fetch, step 14); anything else fails the connection, as before.
   */
  [kOnUnexpectedResponse](_request: ClientRequest, response: IncomingMessage): boolean {
    const retry = this.#seldom?.authenticationRetry;
    if (retry === undefined || response.statusCode !== 401 || this.#state !== CONNECTING) return false;
    this.#seldom!.authenticationRetry = undefined;
    const old = this.#ws;
    old[kOwner] = null; // what it reports from now on is dropped
    old.close(); // aborts the first request
    const headers = { ...(retry.options?.headers as Record<string, string> | undefined), authorization: retry.authorization };
    const ws = new DialledWs(this, retry.href, retry.protocols, { ...retry.options, headers });
    ws.binaryType = 'nodebuffer';
    // Listeners added to the first `ws` socket (through getNodeControls) move to the second.
    for (const name of old.eventNames()) {
      for (const listener of old.listeners(name)) ws.on(name, listener as (...args: unknown[]) => void);
    }
    this.#ws = ws;
    const controls = this.#controls as Controls | undefined;
    if (controls !== undefined) controls.raw = ws;
    return true;
  }

  /** @internal */
  [kOnClose](code: number, reason: Buffer): void {
    this.#clearHandshakeTimer();
    if (this.#seldom !== undefined) this.#seldom.authenticationRetry = undefined;
    // `ws` reports 1006 exactly when no close frame arrived.
    const received = code !== 1006;
    const wasClean = closedCleanly(this.#ws, code);
    this.#state = CLOSED;
    // https://websockets.spec.whatwg.org/#feedback-from-the-protocol: the connection is closed.
    // Without a close frame from the server the code is 1006, and the connection failed: `error`
    // comes first.
    if (!received || this.#failure !== undefined) {
      const failure = this.#failure;
      this.#emit(
        new ErrorEvent('error', {
          message: failure?.message ?? 'The connection was closed abnormally.',
          error: failure,
        }),
      );
    }
    this.#emit(
      new CloseEvent('close', {
        wasClean,
        code: received ? code : 1006,
        reason: received ? reason.toString() : '',
      }),
    );
  }
}

// WebIDL: `WebSocket.length` is 1 (the required `url`); attributes and operations are enumerable
// properties of the prototype; the class string is 'WebSocket'.
webIdlInterface(WebSocket, 'WebSocket', 1);
// A socket without listeners shares Node's empty listener maps (see lib/internals/node.ts).
leanEventTargetClass(WebSocket.prototype);
Object.defineProperties(WebSocket.prototype, {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSING: { value: CLOSING, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
});
for (const name of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) {
  Object.defineProperty(WebSocket, name, { value: WebSocket[name], enumerable: true, writable: false, configurable: false });
}


