// Helpers for the subject layer's specs: notification recorders, waits, and a WebSocket subclass
// that counts the listeners a WebSocketSubject leaves on its sockets.
import { WebSocket } from 'rxws';
import { type NodeWebSocketOptions } from 'rxws/node';
import { kEventSink } from '../../lib/websocket/controls.js';
import type { Observable, Subscription } from 'rxjs';

export type Note<T> = { kind: 'N'; value: T } | { kind: 'E'; error: unknown } | { kind: 'C' };

/** Subscribes and records every notification. */
export function record<T>(source: Observable<T>): { notes: Note<T>[]; values: T[]; subscription: Subscription; done: Promise<Note<T>> } {
  const notes: Note<T>[] = [];
  const values: T[] = [];
  let resolveDone!: (n: Note<T>) => void;
  const done = new Promise<Note<T>>((r) => (resolveDone = r));
  const subscription = source.subscribe({
    next: (value) => {
      notes.push({ kind: 'N', value });
      values.push(value);
    },
    error: (error: unknown) => {
      const n: Note<T> = { kind: 'E', error };
      notes.push(n);
      resolveDone(n);
    },
    complete: () => {
      const n: Note<T> = { kind: 'C' };
      notes.push(n);
      resolveDone(n);
    },
  });
  return { notes, values, subscription, done };
}

export { until, delay } from '../helpers/client.js';

/** Every CountingWebSocket made, in order. */
export const made: CountingWebSocket[] = [];

/** rxws's WebSocket, tracking the listeners added and removed through addEventListener. */
export class CountingWebSocket extends WebSocket {
  readonly #byType = new Map<string, Set<unknown>>();

  constructor(url: string | URL, protocols?: string | string[], options?: NodeWebSocketOptions) {
    super(url, protocols, options);
    made.push(this);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    if (!this.#byType.has(type)) this.#byType.set(type, new Set());
    this.#byType.get(type)!.add(listener);
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    this.#byType.get(type)?.delete(listener);
    super.removeEventListener(type, listener, options);
  }

  /** The number of listeners attached now, per event type (`sink`: the subject layer's event sink). */
  get listeners(): Map<string, number> {
    const counts = new Map([...this.#byType].map(([type, set]) => [type, set.size]));
    counts.set('sink', this[kEventSink] === undefined ? 0 : 1);
    return counts;
  }

  /** Listeners still attached, over all types, the event sink included. */
  get attached(): number {
    let n = this[kEventSink] === undefined ? 0 : 1;
    for (const set of this.#byType.values()) n += set.size;
    return n;
  }
}
