// Why a connection ended, as reconnect()'s shouldReconnect sees it, and the default decision.
import { WebSocketCloseError } from '../subject/close-error.js';
import type { ReconnectCause, OtherEnd } from '../subject/connection-state.js';

// The cause types are defined in the subject layer (its status$ carries them) and re-exported here
// under their public names.
export type { ReconnectCause, OtherEnd } from '../subject/connection-state.js';

/**
 * Close codes the default policy reconnects after (going away, no status, abnormal, server errors,
 * restarts, try again later, bad gateway). 1005 (no status) only when the close was not clean: a
 * clean close without a code is the server's normal end, treated as 1000.
 */
export const RETRYABLE_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

/**
 * Close codes the default policy stops on: a clean 1000 (the server meant it), and the codes that
 * say the client is at fault and would only fail again (protocol error, unsupported data,
 * invalid payload, policy violation, message too big, missing extension, TLS failure).
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010, 1015]);

/**
 * The default `shouldReconnect`:
 *
 * | cause | reconnects? |
 * |---|---|
 * | `kind: 'error'` (refused, DNS, TLS, network error, failed `url`/factory) | yes |
 * | `kind: 'timeout'` (`connectTimeout`), `kind: 'heartbeat'` | yes |
 * | `kind: 'handshake'` (the `handshake` hook failed: the application said no) | no |
 * | `kind: 'session'` (a `SessionError`: the server does not speak the session protocol, or broke it) | no |
 * | close 1001, 1005 (not clean), 1006, 1011, 1012, 1013, 1014 | yes |
 * | close 1000 or a clean 1005 (the server's clean close, with or without a code), 1002, 1003, 1007, 1008, 1009, 1010, 1015 | no |
 * | 4000-4999 (the application's own codes: the server meant it, e.g. 4401 "unauthorized") | no: the stream errors with that close's `WebSocketCloseError` |
 * | any other code (3000-3999 registered codes, unassigned codes) | yes |
 * | a source that completed (`kind: 'complete'`) | no |
 * | another error (`kind: 'other'`): by its numeric `code` as above, else | yes |
 *
 * The client's own close (`close()`, `complete()`, unsubscribing) never reaches it: it never
 * reconnects. `attempt` is not used (`maxAttempts` bounds the attempts).
 *
 * @example
 * // Reconnect after a clean 1000 and after the application's 4500 "rebalancing" too:
 * reconnect({
 *   shouldReconnect: (cause, attempt) =>
 *     cause.code === 1000 || cause.code === 4500 || defaultShouldReconnect(cause, attempt),
 * });
 */
export function defaultShouldReconnect(cause: ReconnectCause, attempt?: number): boolean {
  void attempt;
  switch (cause.kind) {
    case 'error':
    case 'timeout':
    case 'heartbeat':
      return true;
    case 'handshake':
    case 'session':
    case 'complete':
      return false;
    default:
      if (cause.code === 1005 && cause instanceof WebSocketCloseError && cause.wasClean) return false; // a close() without a code: as 1000
      // 4000-4999: application codes, the server's own decision (reconnect after them only if shouldReconnect says so).
      return cause.code === undefined || !(FATAL_CLOSE_CODES.has(cause.code) || (cause.code >= 4000 && cause.code < 5000));
  }
}

/** The {@link ReconnectCause} of an error a source ended with. */
export function causeOf(error: unknown): ReconnectCause {
  if (error instanceof WebSocketCloseError) return error;
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return { kind: 'other', code: typeof code === 'number' ? code : undefined, error };
}

/** The {@link ReconnectCause} of a source that completed while its connection (if any) was still up. */
export const COMPLETED: OtherEnd = Object.freeze({ kind: 'complete', code: undefined, error: undefined });
