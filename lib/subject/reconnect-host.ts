// The door through which reconnect() (lib/operators) drives a subject's engine: a named protocol
// on a Symbol.for key, so the operator needs no backdoor into the class, and a subject made by the
// CommonJS build is recognised by the ESM build's operator (and the reverse).
import type { ConnectionState, ConnectionStatus } from './connection-state.js';
import type { WebSocketCloseError } from './close-error.js';
import type { TraceHost } from './lifecycle.js';

/**
 * @internal What `reconnect()` listens to on a subject, so one schedule serves every
 * reconnecting subscriber of the subject.
 */
export interface ReconnectHooks {
  /** The current connection started (state `'connecting'`). */
  connecting(): void;
  /** The current connection opened and its open steps completed. */
  ready(): void;
  /** The current connection ended: called once, before its subscribers hear of it. `byClient`: the client's own close. */
  ended(error: WebSocketCloseError, byClient: boolean): void;
  /** `close()`, `complete()`, `error()` or `unsubscribe()` on the subject: no retry may follow. */
  userClosed(): void;
  /** `reconnect()` on the subject: attempt now (skip a pending delay, or start afresh). */
  now(): void;
}

/** @internal The part of a subject's engine that `reconnect()` drives. */
export interface ReconnectHost extends TraceHost {
  /** The connection's state now. */
  readonly state: ConnectionState;
  /** The attached reconnect coordinator (one per subject), if any. */
  reconnectHooks: ReconnectHooks | undefined;
  /** The reconnect attempt the next connection is (0: not a reconnect). */
  attempt: number;
  /** Sets a plain state (`'closed'` after a cancelled wait). */
  setState(state: Exclude<ConnectionState, 'reconnecting' | 'exhausted'>): void;
  /** Sets the state with its details (`'reconnecting'` with attempt, delay, at, cause; `'exhausted'`), and returns them. */
  setStatus(status: ConnectionStatus): ConnectionStatus;
  /**
   * Declares that the caller resubscribes after connection errors, until it calls the returned
   * release: meanwhile multiplexed topics stay subscribed across connections instead of erroring.
   */
  holdForReconnect(): () => void;
}

/** @internal The key of a subject's {@link ReconnectHost} (`Symbol.for`, shared by both builds). */
export const kReconnectHost: unique symbol = Symbol.for('rxws.reconnectHost') as never;

/** @internal The reconnect host of `value` (a subject), if it has one. */
export function reconnectHostOf(value: unknown): ReconnectHost | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  return (value as { [kReconnectHost]?: ReconnectHost })[kReconnectHost];
}
