// The event classes a WebSocket fires, as the HTML and WebSockets standards define them. Node 20
// has neither `CloseEvent` nor `ErrorEvent`, and its global `MessageEvent` reports
// `[object Event]` to Object.prototype.toString; rxws fires and exports its own.

/** The options every event takes (DOM `EventInit`, declared here so Node users need no DOM lib). */
export interface BaseEventInit {
  /** Whether the event bubbles (default false; a WebSocket has no tree, so it changes nothing). */
  bubbles?: boolean;
  /** Whether `preventDefault()` may cancel the event (default false). */
  cancelable?: boolean;
  /** Whether the event crosses a shadow DOM boundary (default false; meaningless off the DOM). */
  composed?: boolean;
}

/** The init dictionary of {@link CloseEvent}. */
export interface CloseEventInit extends BaseEventInit {
  /** Whether the closing handshake completed (default false). */
  wasClean?: boolean;
  /** The close code (default 0). */
  code?: number;
  /** The close reason (default `''`). */
  reason?: string;
}

/** The init dictionary of {@link ErrorEvent}. */
export interface ErrorEventInit extends BaseEventInit {
  /** A description of the error (default `''`). */
  message?: string;
  /** The script the error happened in (default `''`). */
  filename?: string;
  /** Its line (default 0). */
  lineno?: number;
  /** Its column (default 0). */
  colno?: number;
  /** The error itself, any value (default `undefined`). */
  error?: unknown;
}

/** The init dictionary of {@link MessageEvent} (`source` and `ports` are accepted as given). */
export interface MessageEventInit<T = unknown> extends BaseEventInit {
  /** The message's data (default `null`). */
  data?: T;
  /** The origin of the sender (a WebSocket's: its URL's, e.g. `ws://example.com`; default `''`). */
  origin?: string;
  /** The last event ID (server-sent events; always `''` for a WebSocket, the default). */
  lastEventId?: string;
  /** The sending window or port (none for a WebSocket; default `null`). */
  source?: unknown;
  /** The ports sent with the message (none for a WebSocket; default `[]`). */
  ports?: readonly unknown[];
}

function requireType(name: string, count: number): void {
  if (count === 0) throw new TypeError(`Failed to construct '${name}': 1 argument required, but only 0 present.`);
}

// WebIDL `unsigned long` (lineno, colno) and `unsigned short` (code): ToNumber, then modulo 2^n.
function toUnsigned(value: unknown, bits: 16 | 32): number {
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  const integer = Math.trunc(n);
  return bits === 16 ? (integer >>> 0) & 0xffff : integer >>> 0;
}

/**
 * The event a WebSocket fires when its connection has closed (WHATWG `CloseEvent`).
 *
 * @example
 * socket.addEventListener('close', (e) => console.log(e.code, e.reason, e.wasClean));
 */
export class CloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  constructor(type: string, init?: CloseEventInit) {
    requireType('CloseEvent', arguments.length);
    super(type, init);
    this.#wasClean = init?.wasClean === undefined ? false : Boolean(init.wasClean);
    this.#code = init?.code === undefined ? 0 : toUnsigned(init.code, 16);
    this.#reason = init?.reason === undefined ? '' : String(init.reason);
  }

  /** Whether the closing handshake completed before the TCP connection closed. */
  get wasClean(): boolean {
    return this.#wasClean;
  }

  /** The close code the server sent, 1005 if it sent none, 1006 if no close frame arrived. */
  get code(): number {
    return this.#code;
  }

  /** The close reason the server sent (UTF-8 decoded), or `''`. */
  get reason(): string {
    return this.#reason;
  }
}

/**
 * The `error` event of a WebSocket, with the HTML `ErrorEvent` interface (browsers fire a plain
 * `Event`; on Node rxws fires this subclass, whose `error` carries the underlying cause, e.g.
 * `ECONNREFUSED`, for diagnostics).
 *
 * @example
 * socket.addEventListener('error', (e) => console.error(e.message, (e as ErrorEvent).error));
 */
export class ErrorEvent extends Event {
  readonly #message: string;
  readonly #filename: string;
  readonly #lineno: number;
  readonly #colno: number;
  readonly #error: unknown;

  constructor(type: string, init?: ErrorEventInit) {
    requireType('ErrorEvent', arguments.length);
    super(type, init);
    this.#message = init?.message === undefined ? '' : String(init.message);
    this.#filename = init?.filename === undefined ? '' : String(init.filename);
    this.#lineno = init?.lineno === undefined ? 0 : toUnsigned(init.lineno, 32);
    this.#colno = init?.colno === undefined ? 0 : toUnsigned(init.colno, 32);
    this.#error = init?.error;
  }

  /** A description of what went wrong. */
  get message(): string {
    return this.#message;
  }

  /** The script the error came from (`''` for a WebSocket's). */
  get filename(): string {
    return this.#filename;
  }

  /** Its line (0 for a WebSocket's). */
  get lineno(): number {
    return this.#lineno;
  }

  /** Its column (0 for a WebSocket's). */
  get colno(): number {
    return this.#colno;
  }

  /** The underlying error, when there is one (Node only for a WebSocket's). */
  get error(): unknown {
    return this.#error;
  }
}

function isMessagePort(value: unknown): boolean {
  return typeof MessagePort === 'function' && value instanceof MessagePort;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(String(value === null || typeof value !== 'object' ? value : JSON.stringify(value)));
  } catch {
    return '"?"';
  }
}

// What browsers (and undici) say when an attribute's getter is called on another object.
function illegalInvocation(): TypeError {
  return new TypeError('Illegal invocation');
}

// One frozen empty array for every event without ports (the usual case: a WebSocket's).
const NO_PORTS: readonly unknown[] = Object.freeze([]);
// Lets WebSocket make its message events without an init dictionary per message.
const kMessage = Symbol('rxws.message');

/**
 * The event a WebSocket fires for each message, with the HTML `MessageEvent` interface
 * (`data`, `origin`, `lastEventId`, `source`, `ports`).
 *
 * @example
 * socket.addEventListener('message', (e) => console.log(e.data, e.origin));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `data` is `any` in the DOM's own type
export class MessageEvent<T = any> extends Event {
  #data: T;
  #origin: string;
  readonly #lastEventId: string;
  readonly #source: unknown;
  readonly #ports: readonly unknown[];

  constructor(type: string, init?: MessageEventInit<T>) {
    requireType('MessageEvent', arguments.length);
    super(type, init);
    if (init === undefined || init === null) {
      this.#data = null as T;
      this.#origin = '';
      this.#lastEventId = '';
      this.#source = null;
      this.#ports = NO_PORTS;
      return;
    }
    this.#data = (init.data === undefined ? null : init.data) as T;
    this.#origin = init.origin === undefined ? '' : String(init.origin);
    this.#lastEventId = init.lastEventId === undefined ? '' : String(init.lastEventId);
    // WebIDL: source is a MessageEventSource (on Node, a MessagePort) or null; ports a sequence
    // of MessagePorts.
    const source = init.source;
    if (source !== undefined && source !== null && !isMessagePort(source)) {
      throw new TypeError(`MessageEvent constructor: Expected eventInitDict.source (${describe(source)}) to be an instance of MessagePort.`);
    }
    this.#source = source ?? null;
    const ports = init.ports;
    if (ports === undefined) {
      this.#ports = NO_PORTS;
      return;
    }
    if (ports === null || typeof ports !== 'object' || !(Symbol.iterator in ports)) {
      throw new TypeError(`MessageEvent constructor: eventInitDict.ports (${String(ports)}) is not iterable.`);
    }
    const list = [...ports];
    list.forEach((port, index) => {
      if (!isMessagePort(port)) {
        throw new TypeError(`MessageEvent constructor: Expected eventInitDict.ports[${index}] (${describe(port)}) to be an instance of MessagePort.`);
      }
    });
    this.#ports = Object.freeze(list);
  }

  /** @internal A WebSocket's `message` event: no init dictionary to allocate and read. */
  static [kMessage]<T>(data: T, origin: string): MessageEvent<T> {
    const event = new MessageEvent<T>('message');
    event.#data = data;
    event.#origin = origin;
    return event;
  }

  /** The message: a string, or binary data as the socket's `binaryType` asks. */
  get data(): T {
    if (!(#data in this)) throw illegalInvocation();
    return this.#data;
  }

  /** The origin of the socket's URL (e.g. `ws://example.com:8080`). */
  get origin(): string {
    if (!(#data in this)) throw illegalInvocation();
    return this.#origin;
  }

  /** `''` for a WebSocket's messages. */
  get lastEventId(): string {
    if (!(#data in this)) throw illegalInvocation();
    return this.#lastEventId;
  }

  /** `null` for a WebSocket's messages. */
  get source(): unknown {
    if (!(#data in this)) throw illegalInvocation();
    return this.#source;
  }

  /** A frozen array; empty for a WebSocket's messages. */
  get ports(): readonly unknown[] {
    if (!(#data in this)) throw illegalInvocation();
    return this.#ports;
  }
}

/** A WebSocket's `message` event (see MessageEvent[kMessage]). */
export function createMessageEvent<T>(data: T, origin: string): MessageEvent<T> {
  return MessageEvent[kMessage](data, origin);
}

/**
 * Gives a class WebIDL's shape: its attributes (accessors) and operations (methods) on the
 * prototype enumerable, and the class string that Object.prototype.toString reports.
 */
export function webIdlInterface(constructor: { prototype: object; name: string }, name: string, length: number): void {
  Object.defineProperty(constructor, 'length', { value: length, writable: false, enumerable: false, configurable: true });
  const prototype = constructor.prototype;
  for (const key of Object.getOwnPropertyNames(prototype)) {
    if (key === 'constructor') continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
    if (descriptor.enumerable) continue;
    Object.defineProperty(prototype, key, { ...descriptor, enumerable: true });
  }
  Object.defineProperty(prototype, Symbol.toStringTag, { value: name, writable: false, enumerable: false, configurable: true });
}

/**
 * WebIDL constants: enumerable, neither writable nor configurable, on the interface object and
 * its prototype.
 */
export function webIdlConstants(constructor: { prototype: object }, constants: Record<string, number>): void {
  for (const [name, value] of Object.entries(constants)) {
    for (const holder of [constructor, constructor.prototype]) {
      Object.defineProperty(holder, name, { value, enumerable: true, writable: false, configurable: false });
    }
  }
}

webIdlInterface(CloseEvent, 'CloseEvent', 1);
webIdlInterface(ErrorEvent, 'ErrorEvent', 1);
webIdlInterface(MessageEvent, 'MessageEvent', 1);
