// Shared by the reconnect specs: recorders and waits (from the subject specs), a state recorder,
// and a deterministic random source.
import type { ConnectionState, ConnectionStatus, WebSocketSubject } from 'rxws';
export { record, until, delay, CountingWebSocket, made } from '../subject/helpers.js';

/** Records a subject's `state$` (strings) and `status$` (details) from now on. */
export function watch<In, Out>(subject: WebSocketSubject<In, Out>): { states: ConnectionState[]; statuses: ConnectionStatus[]; stop: () => void } {
  const states: ConnectionState[] = [];
  const statuses: ConnectionStatus[] = [];
  const a = subject.state$.subscribe((s) => states.push(s));
  const b = subject.status$.subscribe((s) => statuses.push(s));
  return { states, statuses, stop: () => (a.unsubscribe(), b.unsubscribe()) };
}

/** The `'reconnecting'` statuses among `statuses`. */
export function reconnecting(statuses: ConnectionStatus[]): Extract<ConnectionStatus, { state: 'reconnecting' }>[] {
  return statuses.filter((s): s is Extract<ConnectionStatus, { state: 'reconnecting' }> => s.state === 'reconnecting');
}

/** A repeatable random source (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
