// The error of a session that cannot go on: reconnecting would not help, so reconnect() stops.
import { WebSocketCloseError } from '../subject/close-error.js';

/**
 * A resumable session failed in a way a reconnection would not mend: the server did not select
 * the `rxws.session.v1` subprotocol (it does not speak it), it broke the protocol, or another
 * connection took the session over (close code 4409). Subscribers of the subject error with it; it
 * is a `WebSocketCloseError` of `kind: 'session'` (with the code of the close the client sent or
 * received), so `reconnect()`'s default policy does not retry it.
 *
 * @example
 * orders.pipe(reconnect()).subscribe({
 *   error: (e) => { if (e instanceof SessionError) alert(`This server cannot resume sessions: ${e.message}`); },
 * });
 */
export class SessionError extends WebSocketCloseError {
  /** `'SessionError'`. */
  override readonly name: string = 'SessionError';

  /** @internal */
  constructor(message: string, code: number, reason = '') {
    super({ code, reason, wasClean: true, kind: 'session', message: `Session failed: ${message}` });
  }
}
