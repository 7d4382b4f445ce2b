/**
 * How a connection ended, as {@link WebSocketCloseError.kind} says:
 *
 * - `'close'`: a close event with no error before it (the server closed, with any code, or the
 *   connection dropped: 1006);
 * - `'error'`: the connection failed (refused, TLS, DNS, a network error, a failed `url` or
 *   factory): an `error` event came first, its error is the `cause`;
 * - `'timeout'`: the connection did not open in time (reconnect's `connectTimeout`) and was abandoned;
 * - `'heartbeat'`: the heartbeat found the connection dead and terminated it;
 * - `'handshake'`: the `handshake` (or another open step) failed; its error is the `cause`;
 * - `'session'`: a resumable session failed (a `SessionError` from `rxws/session`: the server
 *   does not speak `rxws.session.v1`, broke it, or another connection took the session over).
 */
export type CloseKind = 'close' | 'error' | 'timeout' | 'heartbeat' | 'handshake' | 'session';

/** What a {@link WebSocketCloseError} is made from. */
export interface WebSocketCloseErrorInit {
  /** How the connection ended (see {@link CloseKind}). Default: `'error'` with a `cause`, otherwise `'close'`. */
  kind?: CloseKind;
  /** The close code (1006 when the connection failed or never opened). */
  code: number;
  /** The close reason the server sent, or `''`. */
  reason?: string;
  /** Whether the closing handshake completed. */
  wasClean?: boolean;
  /** What made the connection fail, when known: the `ErrorEvent`'s error on Node, a rejected `url` or factory, a constructor's exception. */
  cause?: unknown;
  /** Overrides the default message. */
  message?: string;
}

/**
 * The error a `WebSocketSubject`'s subscribers receive when the connection ends for any reason
 * other than the client's own close or a clean 1000 from the server: a server going away (1001),
 * restarting (1012), an abnormal close (1006), a failed or refused connection, a rejected `url`
 * or `createWebSocket` promise. It carries the close code, reason and `wasClean`, so operators
 * such as `retry` can tell a restart from the end of the stream.
 *
 * @example
 * ws$.subscribe({
 *   error: (e) => {
 *     if (e instanceof WebSocketCloseError && e.code === 1012) console.log('server restarting');
 *   },
 * });
 */
export class WebSocketCloseError extends Error {
  /** The close code (1006 for a connection that failed or never opened). */
  declare readonly code: number;
  /** The close reason the server sent, or `''`. */
  declare readonly reason: string;
  /** Whether the closing handshake completed. */
  declare readonly wasClean: boolean;
  /** The underlying failure, when there is one (e.g. `ECONNREFUSED`, a rejected `url` promise). */
  declare readonly cause?: unknown;
  /**
   * How the connection ended: `'close'`, `'error'`, `'timeout'`, `'heartbeat'` or `'handshake'`
   * (see {@link CloseKind}). `code` is always the real close code (1006 for a connection that
   * failed, timed out or missed its heartbeat).
   *
   * @example
   * reconnect({ shouldReconnect: (cause) => cause.kind === 'heartbeat' || defaultShouldReconnect(cause) });
   */
  declare readonly kind: CloseKind;

  constructor(init: WebSocketCloseErrorInit) {
    const { code, reason = '', wasClean = false, cause } = init;
    const kind = init.kind ?? (cause !== undefined ? 'error' : 'close');
    // As Error's own `cause` option: a non-enumerable own property, only when there is one.
    super(init.message ?? describe(kind, code, reason, wasClean, cause), cause !== undefined ? { cause } : undefined);
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
    this.kind = kind;
  }

  /** `'WebSocketCloseError'`, to tell it from other errors at a glance. */
  override readonly name: string = 'WebSocketCloseError';

  /**
   * `instanceof` by brand (`Symbol.for('rxws.WebSocketCloseError')`), so an error made by the
   * CommonJS build is an instance of the ESM build's class too, and the reverse.
   *
   * @example
   * error instanceof WebSocketCloseError; // true for either build's errors
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (value as { [kCloseErrorBrand]?: unknown } | null | undefined)?.[kCloseErrorBrand] === true;
  }
}

const kCloseErrorBrand = Symbol.for('rxws.WebSocketCloseError');
Object.defineProperty(WebSocketCloseError.prototype, kCloseErrorBrand, { value: true });

/** What happened, by {@link CloseKind}, for the default message. */
const WHAT_HAPPENED: Readonly<Record<CloseKind, string>> = {
  close: 'closed',
  error: 'failed',
  timeout: 'timed out connecting',
  heartbeat: 'missed its heartbeat',
  handshake: 'handshake failed',
  session: 'session failed',
};

/** E.g. `WebSocket closed (code 1012, "restart").`, `WebSocket failed (code 1006, not cleanly): connect ECONNREFUSED 127.0.0.1:80.` */
function describe(kind: CloseKind, code: number, reason: string, wasClean: boolean, cause: unknown): string {
  const message = messageOf(cause);
  const text = `WebSocket ${WHAT_HAPPENED[kind]} (code ${code}${reason && `, "${reason}"`}${wasClean ? '' : ', not cleanly'})${message ? `: ${message}` : ''}`;
  return /[.!?]$/.test(text) ? text : text + '.';
}

/** The message of an error from any realm (a DOMException, an Error from a vm context), or a string cause. */
export function messageOf(cause: unknown): string | undefined {
  const message = cause !== null && typeof cause === 'object' ? (cause as { message?: unknown }).message : cause;
  return typeof message === 'string' ? message : undefined;
}
