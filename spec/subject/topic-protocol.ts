// A small JSON topic protocol on a kit server, for the multiplex/channel/request specs:
//   client → { type: 'sub', topic } / { type: 'unsub', topic } / { type: 'pub', topic, data }
//   server → { topic, data } to the connections subscribed to `topic`
//   client → { id, method, params } ; server → { id, result } (scripted per test)
import { reconnectHostOf } from '../../lib/subject/reconnect-host.js';
import { WebSocketSubject } from 'rxws';
import { createTestServer, type TestConnection, type TestServer } from 'rxws/testing';
import { retry, type Subscription } from 'rxjs';

export type Command =
  | { type: 'sub'; topic: string }
  | { type: 'unsub'; topic: string }
  | { type: 'pub'; topic: string; data: unknown }
  | { id?: unknown; method?: string; params?: unknown; type?: undefined; cancel?: unknown };
export interface Message {
  topic?: string;
  data?: unknown;
  id?: unknown;
  result?: unknown;
  error?: unknown;
  done?: boolean;
}

export interface TopicServer {
  server: TestServer;
  /** Topics each open connection is subscribed to (maintained from sub/unsub). */
  subscriptions: Map<TestConnection, Set<string>>;
  /** Sends `{ topic, data }` to every connection subscribed to `topic`; returns how many. */
  publish(topic: string, data: unknown): number;
  /** How many messages of `type` (for `topic`, if given) the server received. */
  count(type: 'sub' | 'unsub' | 'pub', topic?: string): number;
}

export async function topicServer(): Promise<TopicServer> {
  const server = await createTestServer({ json: true });
  const subscriptions = new Map<TestConnection, Set<string>>();
  const topicsOf = (c: TestConnection) => {
    let set = subscriptions.get(c);
    if (set === undefined) subscriptions.set(c, (set = new Set()));
    return set;
  };
  server.onConnection((c) => {
    topicsOf(c);
    void c.closed.then(() => subscriptions.delete(c));
  });
  server.on((m: Command) => m !== null && typeof m === 'object' && m.type === 'sub').reply((m: { topic: string }, c) => {
    topicsOf(c).add(m.topic);
    return undefined;
  });
  server.on((m: Command) => m !== null && typeof m === 'object' && m.type === 'unsub').reply((m: { topic: string }, c) => {
    topicsOf(c).delete(m.topic);
    return undefined;
  });
  return {
    server,
    subscriptions,
    publish(topic, data) {
      let n = 0;
      for (const [c, set] of subscriptions) {
        if (set.has(topic) && c.isOpen) {
          c.send({ topic, data });
          n++;
        }
      }
      return n;
    },
    count(type, topic) {
      return server.messages.filter((m) => {
        const c = m as { type?: string; topic?: string };
        return c !== null && typeof c === 'object' && c.type === type && (topic === undefined || c.topic === topic);
      }).length;
    },
  };
}

/**
 * Keeps `socket` connected the way reconnect() does: resubscribes after every connection error
 * (after `delay` ms) and holds the subject meanwhile, so multiplexed topics survive the drops.
 * Returns the function that stops it.
 */
export function keepConnected(socket: WebSocketSubject<Command, Message>, delay = 20): () => void {
  const release = reconnectHostOf(socket)!.holdForReconnect();
  const subscription: Subscription = socket.pipe(retry({ delay })).subscribe();
  return () => {
    subscription.unsubscribe();
    release();
  };
}

/** The messages a connection received, without the ones of type `exclude`. */
export function typesOf(messages: readonly unknown[]): string[] {
  return messages.map((m) => {
    const c = m as { type?: string; topic?: string; id?: unknown; method?: string };
    return c.type !== undefined ? `${c.type}:${c.topic ?? ''}` : `${c.method ?? 'request'}:${String(c.id)}`;
  });
}
