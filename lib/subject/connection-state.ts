// The connection's state as state$/status$ report it, and why a connection ended as reconnect()
// decides from it (the types live here, in the subject layer, so no subject module imports from
// lib/operators; lib/operators/reconnect-cause.ts re-exports them under the same names).
import type { WebSocketCloseError } from './close-error.js';

/**
 * The end of a stream that is not a connection's (`reconnect()` on a plain observable, or an
 * error some operator between the subject and `reconnect()` produced):
 *
 * - `kind: 'complete'`: the source completed (on an rxws stream with the connection still up,
 *   e.g. a channel the server ended);
 * - `kind: 'other'`: the source errored with `error`, which is not a {@link WebSocketCloseError}.
 *   `code` is the error's own numeric `code` when it has one (a `CloseEvent` from
 *   `rxjs/webSocket`, say), so close-code predicates work on it too.
 *
 * @example
 * socket$.pipe(reconnect({ shouldReconnect: (cause) => cause.kind !== 'other' || cause.code !== 4000 }));
 */
export interface OtherEnd {
  /** `'complete'`: the source completed; `'other'`: it errored with something that is not a {@link WebSocketCloseError}. */
  readonly kind: 'complete' | 'other';
  /** The error's numeric `code`, if it has one. */
  readonly code: number | undefined;
  /** What the source errored with (`undefined` for a completion). */
  readonly error: unknown;
}

/**
 * What `shouldReconnect(cause, attempt)` decides from: the connection's own
 * {@link WebSocketCloseError} (with its real `code`, `reason`, `wasClean`, `cause`, and `kind`:
 * `'close' | 'error' | 'timeout' | 'heartbeat' | 'handshake'`), or an {@link OtherEnd} for
 * endings that are not a connection's. Switch on `kind`; `code` is there on both.
 *
 * @example
 * const shouldReconnect = (cause: ReconnectCause, attempt: number) => {
 *   switch (cause.kind) {
 *     case 'heartbeat': case 'timeout': return true;
 *     case 'close': return cause.code !== 4401 && defaultShouldReconnect(cause, attempt);
 *     default: return defaultShouldReconnect(cause, attempt);
 *   }
 * };
 */
export type ReconnectCause = WebSocketCloseError | OtherEnd;

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
 * scheduler's clock), the cause of the end it follows, and the `reason` of the delay
 * (`'retry-after'`: the server asked for it, e.g. a 503's `Retry-After`; `'backoff'` otherwise); `'exhausted'` the last attempt and its
 * cause; `'connecting'` the attempt it is (0 for a first connection); `'open'` the last measured
 * round trip of a heartbeat ping (`latency`, ms, once there is one); the others only `state`.
 *
 * @example
 * ws$.status$.subscribe((s) => {
 *   if (s.state === 'reconnecting') banner.show(`Reconnecting in ${Math.round(s.delay / 1000)} s (attempt ${s.attempt})`);
 * });
 */
export type ConnectionStatus =
  | {
      /** A `reconnect()` waits out its backoff delay. */
      readonly state: 'reconnecting';
      /** The attempt about to be made: 1 for the first reconnect. */
      readonly attempt: number;
      /** The delay chosen for it, in ms. */
      readonly delay: number;
      /** When it starts, in the scheduler's clock (`scheduler.now()`). */
      readonly at: number;
      /** The end of the connection it follows. */
      readonly cause: ReconnectCause;
      /** `'retry-after'`: the delay is the one the server asked for (`reconnect()`'s `retryAfter`); `'backoff'`: an ordinary backoff delay. */
      readonly reason: 'retry-after' | 'backoff';
    }
  | {
      /** `reconnect()` spent `maxAttempts`. */
      readonly state: 'exhausted';
      /** The last attempt made. */
      readonly attempt: number;
      /** The last cause: what the stream errored with. */
      readonly cause: ReconnectCause;
    }
  | {
      /** A connection is being made. */
      readonly state: 'connecting';
      /** 0 for a first connection, n for reconnect attempt n. */
      readonly attempt: number;
    }
  | {
      /** Connected. */
      readonly state: 'open';
      /**
       * The last measured round trip of a heartbeat ping on this connection, in ms (see
       * `heartbeat()`'s `latency$`): `status$` says `'open'` again with each measurement. Absent
       * before the first pong, and without a pinging heartbeat.
       */
      readonly latency?: number;
    }
  | {
      /** Any other state (see {@link ConnectionState}). */
      readonly state: 'idle' | 'closing' | 'closed';
    };
