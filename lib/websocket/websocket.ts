// The WHATWG WebSocket interface (https://websockets.spec.whatwg.org/) on Node, over `ws`.
// `ws` speaks the protocol; this class gives it the platform's surface: DOMExceptions, the
// close-code rules, event order, `wasClean` and a `bufferedAmount` that counts payload bytes.
import type { RawData } from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { parseCloseArguments } from './close-code.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, type BinaryType, type ReadyState, type StandardBinaryType, type WebSocketData } from './constants.js';
import { kBinaryTypeOption, kEventSink, kNodeControls, kSendPrefixedText, type EventSink, type NodeControls } from './controls.js';
import { MAX_FRAMED_TEXT, textFrame } from './text-frame.js';
import { defineHandlerAttributes, kHandlerRecord, type EventHandler, type Handlers } from './event-handlers.js';
import { createMessageEvent, webIdlConstants, webIdlInterface, type CloseEvent } from './events.js';
import type { WebSocketInit } from './init.js';
import type { NodeWebSocketOptions } from './node-options.js';
import { Outbox } from './outbox.js';
import { planDial, redialWithCredentials } from './handshake.js';
import { refusalError } from './refusal.js';
import { closeEvent, destroyAfterCloseFrame, failureEvent } from './closing.js';
import { PendingSends, kPendingDone, kPendingFailed, kSendNow, payloadSize, toPayload, type PendingOperation } from './sending.js';
import { SeldomSocketState } from './socket-state.js';
import { copyBytes, originOf, textOf, toBinaryType, warnNodebufferAttribute } from './message-data.js';
import { Controls, kAddWriteListener, kUncork } from './node-controls.js';
import { DialledWs, adoptWs, kAdopt, kOnClose, kOnError, kOnMessage, kOnOpen, kOnUnexpectedResponse, kOnUpgrade, type AdoptOptions, type OwnedWs } from './ws-events.js';
export { kAdopt, type AdoptOptions } from './ws-events.js';
import { leanEventTargetClass, mayHaveListeners, shareEventTargetMaps } from '../internals/node.js';
import { closedCleanly, receiverIsDrained, tcpSocketOf } from '../internals/ws.js';

const kHandshakeTimedOut = Symbol('rxws.handshakeTimedOut');
// Node's own Event class, taken at load: server-side rendering (Angular's platform-server) later
// replaces the global `Event` with its DOM emulation's, which Node's EventTarget refuses to dispatch.
const NodeEvent = Event;
// Bits of WebSocket's #flags.
const STATE_MASK = 3; // the two low bits: our readyState (CONNECTING..CLOSED)
const COPY_BINARY = 4; // an adopted server-side socket: unmasked frames reference the caller's bytes
const COALESCE = 8; // the writes of a tick are corked together
const BINARY_TYPE_SHIFT = 4; // two bits: the index of binaryType in BINARY_TYPES
const BINARY_TYPE_MASK = 3 << BINARY_TYPE_SHIFT;
const BINARY_TYPES: readonly BinaryType[] = ['blob', 'arraybuffer', 'nodebuffer'];

function onHandshakeTimeout(socket: WebSocket): void {
  socket[kHandshakeTimedOut]();
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
  /** `readyState` 0: the opening handshake is under way. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState` 1: the connection is open; `send()` writes. */
  static readonly OPEN = OPEN;
  /** `readyState` 2: the closing handshake has started. */
  static readonly CLOSING = CLOSING;
  /** `readyState` 3: the connection is closed (or never opened). */
  static readonly CLOSED = CLOSED;
  /** `readyState` 0 (the same constant on every instance, as WebIDL defines it). */
  declare readonly CONNECTING: typeof CONNECTING;
  /** `readyState` 1 (the same constant on every instance). */
  declare readonly OPEN: typeof OPEN;
  /** `readyState` 2 (the same constant on every instance). */
  declare readonly CLOSING: typeof CLOSING;
  /** `readyState` 3 (the same constant on every instance). */
  declare readonly CLOSED: typeof CLOSED;

  // Replaced once at most: when a 401 is answered by a second handshake with the URL's credentials.
  #ws: OwnedWs;
  readonly #url: string;
  // Computed at the first message (an idle connection keeps no string for it).
  #origin: string | undefined = undefined;
  // The state | COPY_BINARY | COALESCE | the binaryType: one field rather than four.
  #flags = 0;
  // The TCP socket under `ws` (from the 'upgrade' response, or the adopter): corked to coalesce.
  #tcp: Socket | undefined = undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  // The sending half: made at the first send (or write listener); an idle connection has none.
  #outbox: Outbox | undefined = undefined;
  /** @internal See `kEventSink`: the subject layer's single listener. */
  [kEventSink]: EventSink | undefined = undefined;
  /** @internal The on… attributes, made when one is first set (many sockets use listeners only). */
  [kHandlerRecord]: Handlers | undefined = undefined;
  /** Called with the `open` event. */
  declare onopen: EventHandler<WebSocket, Event>;
  /** Called with each `message` event. */
  declare onmessage: EventHandler<WebSocket, MessageEvent>;
  /** Called with the `error` event. */
  declare onerror: EventHandler<WebSocket, Event>;
  /** Called with the `close` event. */
  declare onclose: EventHandler<WebSocket, CloseEvent>;
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
  get #pending(): PendingSends | undefined {
    return this.#seldom?.pending;
  }
  set #pending(queue: PendingSends | undefined) {
    if (queue !== undefined || this.#seldom !== undefined) this.#more.pending = queue;
  }
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
    return this.#outbox?.bufferedAmount ?? 0;
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

  /** Sets it: `socket.binaryType = 'arraybuffer'`. Other values are ignored (WebIDL enum; `'nodebuffer'` warns once). */
  set binaryType(type: StandardBinaryType) {
    // WebIDL enumeration attribute: an unknown value is ignored, not an error.
    if (type === 'blob' || type === 'arraybuffer') this.#binaryType = type;
    else if ((type as string) === 'nodebuffer') warnNodebufferAttribute();
  }

  /** @internal See `kBinaryTypeOption`: the Node options' binaryType, for a socket made elsewhere. */
  set [kBinaryTypeOption](type: BinaryType) {
    this.#binaryType = type;
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
    let payload = toPayload(data);
    const size = payloadSize(payload);
    const binary = typeof payload !== 'string';
    // The spec grows bufferedAmount on every send that does not throw, even after CLOSING.
    const outbox = (this.#outbox ??= this.#newOutbox());
    outbox.bufferedAmount += size;
    if (state !== OPEN) return;
    if (this.#pending !== undefined || payload instanceof Blob) {
      if (payload instanceof Uint8Array) payload = copyBytes(payload); // held: the caller may reuse it
      (this.#pending ??= new PendingSends(this)).push({ data: payload, binary, size });
      return;
    }
    outbox.write(payload, binary, size);
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
      this.#pending.push({ data: null, binary: false, size: 0, closeCode: wireCode, closeReason: request.reason });
      return;
    }
    this.#ws.close(wireCode, request.reason);
  }

  /** Node-only hooks (ping/pong, pause/resume, terminate, write completion): see `getNodeControls`. */
  get [kNodeControls](): NodeControls {
    return (this.#more.controls ??= new Controls(this, this.#ws));
  }

  /** @internal See `kSendPrefixedText`: `send(prefix + text)` without joining them, where it can. */
  [kSendPrefixedText](prefix: string, text: string, textBytes: number): boolean {
    // (ws's own state: it is CLOSING from the moment it has a close frame to answer, and no data frame may follow that.)
    // Only on a socket rxws dialled: its TCP socket is the upgrade response's, the one ws writes to.
    if (this.#ws.readyState !== OPEN || this.#pending !== undefined || this.#extensions !== '' || (this.#flags & COPY_BINARY) !== 0) return false;
    const outbox = (this.#outbox ??= this.#newOutbox());
    const length = prefix.length + textBytes;
    if (length > MAX_FRAMED_TEXT || outbox.tcp === undefined) return false;
    outbox.bufferedAmount += length;
    outbox.writeFrame(textFrame(prefix, text, length, true), length); // (a client's frames are masked)
    return true;
  }

  /** @internal */
  [kAddWriteListener](listener: () => void): () => void {
    return (this.#outbox ??= this.#newOutbox()).addWriteListener(listener);
  }

  #newOutbox(): Outbox {
    return new Outbox(this.#ws, this.#tcp, (this.#flags & COPY_BINARY) !== 0, (this.#flags & COALESCE) !== 0);
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

  /** @internal A send or close that waited behind a Blob. */
  [kSendNow](operation: PendingOperation): void {
    if (this.#ws.readyState !== OPEN) return; // the connection closed meanwhile: not sent
    if (operation.data === null) this.#ws.close(operation.closeCode, operation.closeReason);
    else this.#outbox!.write(operation.data as string | Uint8Array, operation.binary, operation.size);
  }

  /** @internal */
  [kPendingDone](): void {
    this.#pending = undefined;
  }

  /** @internal A Blob that cannot be read fails the connection rather than skipping a message. */
  [kPendingFailed](error: Error): void {
    this.#pending = undefined;
    this.#failure ??= error;
    this.#ws.terminate();
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
    this.#outbox?.uncork();
  }

  /** @internal */
  [kOnUpgrade](response: IncomingMessage): void {
    // The public route to the TCP socket `ws` is about to take over (the same object).
    this.#tcp = response.socket;
    if (this.#outbox !== undefined) this.#outbox.tcp = response.socket;
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
    this.#emit(new NodeEvent('open'));
  }

  /** @internal */
  [kOnMessage](data: RawData | Blob, isBinary: boolean): void {
    // "When a WebSocket message has been received": if readyState is not OPEN, return.
    if (this.readyState !== OPEN) return;
    const value = isBinary ? toBinaryType(data, this.#binaryType) : textOf(data);
    const origin = (this.#origin ??= originOf(this.#url));
    const sink = this[kEventSink];
    if (sink?.receiveData !== undefined && !mayHaveListeners(this, 'message')) sink.receiveData(value, origin);
    else this.#emit(createMessageEvent(value, origin));
    // When this was the last frame of what `ws` read, what the handlers sent goes out now rather
    // than at the end of the tick: a reply leaves as soon as it would without coalescing, and the
    // replies to a batch of frames parsed from one read still leave together, after the last.
    const outbox = this.#outbox;
    if (outbox !== undefined && outbox.corked !== undefined && receiverIsDrained(this.#ws)) outbox.uncork();
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
    destroyAfterCloseFrame(this.#tcp);
  }

  /**
   * @internal The server answered the handshake with another status than 101. On a 401 to a URL
   * with credentials, the handshake is made once more with them as Basic authorization (Fetch's
   * HTTP-network-or-cache fetch, step 14); anything else fails the connection, with the response's
   * status, status text and headers on the error (`refusalError`).
   */
  [kOnUnexpectedResponse](_request: ClientRequest, response: IncomingMessage): boolean {
    const retry = this.#seldom?.authenticationRetry;
    if (retry === undefined || response.statusCode !== 401 || this.#state !== CONNECTING) {
      // `ws` fails the handshake with a message only; the error event carries the response too.
      this.#failure ??= refusalError(response);
      return false;
    }
    this.#seldom!.authenticationRetry = undefined;
    const ws = redialWithCredentials(this.#ws, this, retry);
    this.#ws = ws;
    if (this.#outbox !== undefined) this.#outbox.ws = ws;
    const controls = this.#seldom?.controls as Controls | undefined;
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
    if (!received || this.#failure !== undefined) this.#emit(failureEvent(this.#failure));
    this.#emit(closeEvent(code, reason, wasClean));
  }
}

defineHandlerAttributes(WebSocket.prototype);
// WebIDL: `WebSocket.length` is 1 (the required `url`); attributes and operations are enumerable
// properties of the prototype; the class string is 'WebSocket'.
webIdlInterface(WebSocket, 'WebSocket', 1);
// A socket without listeners shares Node's empty listener maps (see lib/internals/node.ts).
leanEventTargetClass(WebSocket.prototype);
webIdlConstants(WebSocket, { CONNECTING, OPEN, CLOSING, CLOSED });
