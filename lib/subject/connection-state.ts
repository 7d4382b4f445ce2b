import type { ReconnectCause } from '../operators/reconnect-cause.js';

/**
 * The state of a `WebSocketSubject`'s connection, as `state$` reports it:
 *
 * - `'idle'`: never connected (no subscriber yet);
 * - `'connecting'`: resolving the URL or factory, or waiting for the opening handshake;
 * - `'open'`: connected; `next()` sends at once;
 * - `'closing'`: the client started the closing handshake;
 * - `'closed'`: the last connection has ended (the next subscriber opens a new one);
 * - `'reconnecting'`: a `reconnect()` waits for its backoff delay before the next attempt (the
 *   attempt number, the delay and the cause are on `status$`);
 * - `'exhausted'`: `reconnect()` spent `maxAttempts`; its stream errored with the last cause (a
 *   later subscription, or `reconnect()` on the subject, starts afresh).
 *
 * Code that switches on it should keep a default branch: later layers may widen this union.
 *
 * @example
 * ws$.state$.subscribe((state) => statusBar.textContent = state);
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'reconnecting' | 'exhausted';

/**
 * `status$`: the state with its details. `'reconnecting'` carries the attempt about to be made
 * (1 for the first reconnect), the delay chosen for it (ms), when it will start (`at`, in the
 * scheduler's clock) and the cause of the end it follows; `'exhausted'` the last attempt and its
 * cause; `'connecting'` the attempt it is (0 for a first connection); the others only `state`.
 *
 * @example
 * ws$.status$.subscribe((s) => {
 *   if (s.state === 'reconnecting') banner.show(`Reconnecting in ${Math.round(s.delay / 1000)} s (attempt ${s.attempt})`);
 * });
 */
export type ConnectionStatus =
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly delay: number; readonly at: number; readonly cause: ReconnectCause }
  | { readonly state: 'exhausted'; readonly attempt: number; readonly cause: ReconnectCause }
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'idle' | 'open' | 'closing' | 'closed' };
