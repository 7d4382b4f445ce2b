// The connection's status as it crosses the relay: plain data (an Error does not survive
// structured cloning whole, so a cause keeps only its close code).
import type { ConnectionStatus } from '../subject/connection-state.js';
import type { MirroredStatus } from './protocol.js';

/** The leader's side: the status without its cause object. */
export function mirrorStatus(status: ConnectionStatus): MirroredStatus {
  switch (status.state) {
    case 'reconnecting':
      return { state: status.state, attempt: status.attempt, delay: status.delay, at: status.at, code: status.cause.code, reason: status.reason };
    case 'exhausted':
      return { state: status.state, attempt: status.attempt, code: status.cause.code };
    case 'connecting':
      return { state: status.state, attempt: status.attempt };
    case 'open':
      return status.latency === undefined ? { state: status.state } : { state: status.state, latency: status.latency };
    default:
      return { state: status.state };
  }
}

/** A tab's side: the status again, its cause an `OtherEnd` with the close code. */
export function unmirrorStatus(status: MirroredStatus): ConnectionStatus {
  const attempt = status.attempt ?? 0;
  const cause = { kind: 'other' as const, code: status.code, error: undefined };
  switch (status.state) {
    case 'reconnecting':
      return { state: status.state, attempt, delay: status.delay ?? 0, at: status.at ?? 0, cause, reason: status.reason ?? 'backoff' };
    case 'exhausted':
      return { state: status.state, attempt, cause };
    case 'connecting':
      return { state: status.state, attempt };
    case 'open':
      return status.latency === undefined ? { state: status.state } : { state: status.state, latency: status.latency };
    default:
      return { state: status.state };
  }
}
