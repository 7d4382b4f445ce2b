/** What a {@link WebSocketCloseError} is made from. */
export interface WebSocketCloseErrorInit {
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
  readonly code: number;
  /** The close reason the server sent, or `''`. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** The underlying failure, when there is one (e.g. `ECONNREFUSED`, a rejected `url` promise). */
  declare readonly cause?: unknown;

  constructor(init: WebSocketCloseErrorInit) {
    const reason = init.reason ?? '';
    const wasClean = init.wasClean ?? false;
    super(init.message ?? describe(init.code, reason, wasClean, init.cause));
    this.code = init.code;
    this.reason = reason;
    this.wasClean = wasClean;
    if (init.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: init.cause, writable: true, configurable: true, enumerable: false });
    }
  }

  override readonly name = 'WebSocketCloseError';
}

function describe(code: number, reason: string, wasClean: boolean, cause: unknown): string {
  let text = `WebSocket closed with code ${code}`;
  if (reason !== '') text += ` (${reason})`;
  if (!wasClean) text += ', not cleanly';
  if (cause !== undefined) {
    const message = messageOf(cause);
    if (message) text += `: ${message}`;
  }
  return /[.!?]$/.test(text) ? text : text + '.';
}

/** The message of an error from any realm (a DOMException, an Error from a vm context), or a string cause. */
export function messageOf(cause: unknown): string | undefined {
  if (typeof cause === 'string') return cause;
  if (cause !== null && typeof cause === 'object' && typeof (cause as { message?: unknown }).message === 'string') {
    return (cause as { message: string }).message;
  }
  return undefined;
}
