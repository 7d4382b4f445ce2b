// Node 20 has `Event`, `EventTarget` and `MessageEvent` as globals but neither `CloseEvent` nor
// `ErrorEvent`; these follow the HTML/WebSockets interfaces and are exported for Node users.

/** The options every event takes (DOM `EventInit`, declared here so Node users need no DOM lib). */
export interface BaseEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** The init dictionary of {@link CloseEvent}. */
export interface CloseEventInit extends BaseEventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
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

  constructor(type: string, init: CloseEventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CloseEvent': 1 argument required.");
    super(type, init);
    this.#wasClean = Boolean(init.wasClean);
    // WebIDL `unsigned short`: modulo 2^16.
    this.#code = (Number(init.code ?? 0) >>> 0) & 0xffff;
    this.#reason = init.reason === undefined ? '' : String(init.reason);
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

/** The init dictionary of {@link ErrorEvent}. */
export interface ErrorEventInit extends BaseEventInit {
  message?: string;
  error?: unknown;
}

/**
 * The `error` event of a WebSocket (browsers fire a plain `Event`; on Node rxws fires this subclass,
 * which also carries the underlying cause, e.g. `ECONNREFUSED`, for diagnostics).
 */
export class ErrorEvent extends Event {
  readonly #message: string;
  readonly #error: unknown;

  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.#message = init.message === undefined ? '' : String(init.message);
    this.#error = init.error;
  }

  /** A description of what went wrong. */
  get message(): string {
    return this.#message;
  }

  /** The underlying error, when there is one (Node only). */
  get error(): unknown {
    return this.#error;
  }
}
