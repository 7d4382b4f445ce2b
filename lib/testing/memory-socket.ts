// An in-memory WebSocket for virtual time: the WHATWG interface, but the "server side" is a
// controller that opens, feeds, closes and fails each socket synchronously, so RxJS
// `TestScheduler` marble tests (and any test that must not touch the network) can drive a client.
// Nothing global is replaced: pass the class (or `controller.factory`) to the code under test.
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { parseCloseArguments } from '../websocket/close-code.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, type BinaryType, type ReadyState, type WebSocketData } from '../websocket/constants.js';
import { CloseEvent, ErrorEvent } from '../websocket/events.js';
import { parseProtocols, parseWebSocketUrl } from '../websocket/url.js';
import type { MemoryWebSocket, MemoryWebSocketConstructor, MemoryWebSocketOptions, OpenOptions, SentData } from './memory-socket-types.js';

export type { MemoryWebSocket, MemoryWebSocketConstructor, MemoryWebSocketOptions, OpenOptions, SentData } from './memory-socket-types.js';

type Handler = MemoryWebSocket['onopen'];
type HandlerName = 'open' | 'message' | 'error' | 'close';

/** The internals a handle drives; kept off the public surface of the socket. */
interface SocketState {
  readyState: ReadyState;
  bufferedAmount: number;
  protocol: string;
  extensions: string;
  binaryType: BinaryType;
}

// Set by the static blocks below: the constructors are private (the declarations ship none callable).
let makeHandle: (socket: MemoryWebSocket, state: SocketState, url: string, protocols: string[], closeHandshake: 'auto' | 'manual') => MemorySocketHandle;
let makeController: (options: MemoryWebSocketOptions) => MemoryWebSocketController;

/**
 * The server side of one memory socket: every method acts synchronously (events are dispatched
 * before it returns).
 */
export class MemorySocketHandle {
  static {
    makeHandle = (socket, state, url, protocols, closeHandshake) => new MemorySocketHandle(socket, state, url, protocols, closeHandshake);
  }

  /** The socket the code under test created. */
  readonly socket: MemoryWebSocket;
  /** Its URL (serialized). */
  readonly url: string;
  /** The subprotocols it offered, in its order. */
  readonly protocols: string[];
  /** Everything the client sent while open, in order. */
  readonly sent: SentData[] = [];
  /** The code and reason of the client's `close()` call, if it made one. */
  closeRequest: {
    /** The code passed to `close()`, if any. */
    code: number | undefined;
    /** The reason passed to `close()` (`''` for none). */
    reason: string;
  } | undefined;

  readonly #state: SocketState;
  readonly #closeHandshake: 'auto' | 'manual';

  /** Made for each socket the code under test creates. */
  private constructor(socket: MemoryWebSocket, state: SocketState, url: string, protocols: string[], closeHandshake: 'auto' | 'manual') {
    this.socket = socket;
    this.#state = state;
    this.url = url;
    this.protocols = protocols;
    this.#closeHandshake = closeHandshake;
  }

  /** The socket's current `readyState`. */
  get readyState(): ReadyState {
    return this.#state.readyState;
  }

  /** Completes the handshake: OPEN, then an `open` event. */
  open(options: OpenOptions = {}): void {
    this.#expectState(CONNECTING, 'open');
    const protocol = options.protocol ?? '';
    if (protocol !== '' && !this.protocols.includes(protocol)) {
      throw new Error(`The client did not offer the subprotocol '${protocol}' (it offered ${JSON.stringify(this.protocols)}).`);
    }
    this.#state.protocol = protocol;
    this.#state.extensions = options.extensions ?? '';
    this.#state.readyState = OPEN;
    this.socket.dispatchEvent(new Event('open'));
  }

  /** Delivers a message: a string as a text message, bytes as binary (converted to the socket's `binaryType`). */
  receive(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#expectState(OPEN, 'receive a message');
    let payload: unknown;
    if (typeof data === 'string') payload = data;
    else {
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
        : new Uint8Array(data).slice();
      if (this.#state.binaryType === 'arraybuffer') payload = bytes.buffer;
      else if (this.#state.binaryType === 'nodebuffer') payload = Buffer.from(bytes.buffer);
      else payload = new Blob([bytes]);
    }
    this.socket.dispatchEvent(new MessageEvent('message', { data: payload, origin: new URL(this.url).origin }));
  }

  /**
   * Closes from the server side (or completes a close the client started): CLOSED, then a clean
   * `close` event with `code` (default: the client's requested code, else 1005) and `reason`.
   */
  close(code?: number, reason?: string): void {
    if (this.#state.readyState === CLOSED) return;
    this.#state.readyState = CLOSED;
    this.socket.dispatchEvent(
      new CloseEvent('close', {
        wasClean: true,
        code: code ?? this.closeRequest?.code ?? 1005,
        reason: reason ?? this.closeRequest?.reason ?? '',
      }),
    );
  }

  /** Fails the connection (network error, refused handshake): an `error` event, then `close` with 1006. */
  fail(message = 'WebSocket connection failed'): void {
    if (this.#state.readyState === CLOSED) return;
    this.#state.readyState = CLOSED;
    this.socket.dispatchEvent(new ErrorEvent('error', { message }));
    this.socket.dispatchEvent(new CloseEvent('close', { wasClean: false, code: 1006, reason: '' }));
  }

  /** Sets `bufferedAmount` (to simulate backpressure; the memory socket itself never buffers while open). */
  setBufferedAmount(bytes: number): void {
    this.#state.bufferedAmount = bytes;
  }

  /** @internal The client called `close()` on an open socket. */
  clientClose(code: number | undefined, reason: string): void {
    this.closeRequest = { code, reason };
    this.#state.readyState = CLOSING;
    if (this.#closeHandshake === 'auto') this.close();
  }

  #expectState(state: ReadyState, what: string): void {
    if (this.#state.readyState !== state) {
      const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
      throw new Error(`Cannot ${what}: the memory socket for ${this.url} is ${names[this.#state.readyState]}.`);
    }
  }
}

/**
 * Creates the sockets made by one `WebSocket` class and tells the test about them.
 */
export class MemoryWebSocketController {
  static {
    makeController = (options) => new MemoryWebSocketController(options);
  }

  /** The class to hand to the code under test (a new class per controller, so tests never share sockets). */
  readonly WebSocket: MemoryWebSocketConstructor;
  /** A socket factory `(url, protocols) => socket`, for APIs that take one instead of a constructor. */
  readonly factory: (url: string | URL, protocols?: string | string[]) => MemoryWebSocket;
  readonly #handles: MemorySocketHandle[] = [];
  readonly #listeners = new Set<(handle: MemorySocketHandle) => void>();

  /** Use {@link createMemoryWebSocket}. */
  private constructor(options: MemoryWebSocketOptions) {
    this.WebSocket = defineSocketClass(options.closeHandshake ?? 'auto', (handle) => {
      this.#handles.push(handle);
      for (const listener of this.#listeners) listener(handle);
    });
    const Ctor = this.WebSocket;
    this.factory = (url, protocols) => new Ctor(url, protocols);
  }

  /** The handles of every socket created so far, in order. */
  get sockets(): readonly MemorySocketHandle[] {
    return this.#handles.slice();
  }

  /** The handle of the most recently created socket. */
  get last(): MemorySocketHandle | undefined {
    return this.#handles[this.#handles.length - 1];
  }

  /** The handle of `socket`. */
  handleOf(socket: MemoryWebSocket): MemorySocketHandle {
    const handle = this.#handles.find((h) => h.socket === socket);
    if (!handle) throw new Error('That socket was not created by this controller.');
    return handle;
  }

  /**
   * Calls `listener` synchronously inside the constructor of every new socket (before the code
   * under test adds listeners, so open it later, e.g. from a scheduled action). Returns an unsubscribe function.
   */
  onCreate(listener: (handle: MemorySocketHandle) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * An in-memory `WebSocket` class and its controller.
 *
 * @example
 * const { WebSocket, controller } = createMemoryWebSocket();
 * const socket = new WebSocket('ws://test/');   // or pass WebSocket / controller.factory to the code under test
 * controller.last!.open();
 * controller.last!.receive('hello');
 * socket.send('hi'); // controller.last!.sent == ['hi']
 */
export function createMemoryWebSocket(options: MemoryWebSocketOptions = {}): {
  /** The class to hand to the code under test. */
  WebSocket: MemoryWebSocketConstructor;
  /** Drives the sockets made by that class. */
  controller: MemoryWebSocketController;
} {
  const controller = makeController(options);
  return { WebSocket: controller.WebSocket, controller };
}

function byteSize(data: WebSocketData): number {
  if (typeof data === 'string') return new TextEncoder().encode(data).length;
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

function defineSocketClass(
  closeHandshake: 'auto' | 'manual',
  created: (handle: MemorySocketHandle) => void,
): MemoryWebSocketConstructor {
  class WebSocket extends EventTarget {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;
    declare readonly CONNECTING: 0;
    declare readonly OPEN: 1;
    declare readonly CLOSING: 2;
    declare readonly CLOSED: 3;

    readonly #url: string;
    readonly #state: SocketState = { readyState: CONNECTING, bufferedAmount: 0, protocol: '', extensions: '', binaryType: 'blob' };
    readonly #handle: MemorySocketHandle;
    readonly #handlers = new Map<HandlerName, { handler: Handler; listener: (event: Event) => void }>();

    constructor(url: string | URL, protocols?: string | string[]) {
      super();
      if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
      this.#url = parseWebSocketUrl(url).href;
      const offered = parseProtocols(protocols);
      this.#handle = makeHandle(this as unknown as MemoryWebSocket, this.#state, this.#url, offered, closeHandshake);
      created(this.#handle);
    }

    get url(): string {
      return this.#url;
    }
    get readyState(): ReadyState {
      return this.#state.readyState;
    }
    get bufferedAmount(): number {
      return this.#state.bufferedAmount;
    }
    get extensions(): string {
      return this.#state.extensions;
    }
    get protocol(): string {
      return this.#state.protocol;
    }
    get binaryType(): BinaryType {
      return this.#state.binaryType;
    }
    set binaryType(value: BinaryType) {
      // WebIDL enum attribute: an unknown value is ignored.
      if (value === 'blob' || value === 'arraybuffer' || value === 'nodebuffer') this.#state.binaryType = value;
    }

    get onopen(): Handler {
      return this.#getHandler('open');
    }
    set onopen(handler: Handler) {
      this.#setHandler('open', handler);
    }
    get onmessage(): Handler {
      return this.#getHandler('message');
    }
    set onmessage(handler: Handler) {
      this.#setHandler('message', handler);
    }
    get onerror(): Handler {
      return this.#getHandler('error');
    }
    set onerror(handler: Handler) {
      this.#setHandler('error', handler);
    }
    get onclose(): Handler {
      return this.#getHandler('close');
    }
    set onclose(handler: Handler) {
      this.#setHandler('close', handler);
    }

    send(data: WebSocketData): void {
      if (arguments.length === 0) throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
      if (this.#state.readyState === CONNECTING) {
        throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
      }
      const value: WebSocketData = typeof data === 'string' || data instanceof Blob || ArrayBuffer.isView(data) || types.isAnyArrayBuffer(data) ? data : String(data);
      if (this.#state.readyState !== OPEN) {
        // The spec: data sent after closing began is discarded, but still counted in bufferedAmount.
        this.#state.bufferedAmount += byteSize(value);
        return;
      }
      if (typeof value === 'string' || value instanceof Blob) this.#handle.sent.push(value);
      else if (ArrayBuffer.isView(value)) this.#handle.sent.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice());
      else this.#handle.sent.push(new Uint8Array(value as ArrayBuffer).slice());
    }

    close(code?: number, reason?: string): void {
      const request = parseCloseArguments(code, reason);
      const state = this.#state.readyState;
      if (state === CLOSING || state === CLOSED) return;
      if (state === CONNECTING) {
        // "Fail the WebSocket connection": error, then close 1006.
        this.#handle.closeRequest = request;
        this.#handle.fail('WebSocket was closed before the connection was established');
        return;
      }
      this.#handle.clientClose(request.code, request.reason);
    }

    #getHandler(name: HandlerName): Handler {
      return this.#handlers.get(name)?.handler ?? null;
    }

    #setHandler(name: HandlerName, handler: Handler): void {
      const existing = this.#handlers.get(name);
      const value = typeof handler === 'function' ? handler : null;
      if (value === null) {
        if (existing) this.removeEventListener(name, existing.listener);
        this.#handlers.delete(name);
        return;
      }
      if (existing) {
        // Keeps its place among the listeners, as HTML event handler attributes do.
        existing.handler = value;
        return;
      }
      const entry = {
        handler: value,
        listener: (event: Event): void => {
          void entry.handler?.call(this as unknown as MemoryWebSocket, event);
        },
      };
      this.#handlers.set(name, entry);
      this.addEventListener(name, entry.listener);
    }
  }
  for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]] as const) {
    Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
  }
  return WebSocket as unknown as MemoryWebSocketConstructor;
}
