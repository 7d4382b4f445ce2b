// lib/internals/rxjs.ts: each reach into rxjs's private state, with its probe, and the key
// behaviours with the fallback forced (probes.<name> = false), against a real server.
import { map, of } from 'rxjs';
import { webSocket, reconnect, type ConnectionState } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { liftedSourceOf, probes } from '../../lib/internals/rxjs.js';
import { record, until } from '../subject/helpers.js';

useTestServers();

const fast = { initialDelay: 10, maxDelay: 40, resetAfter: 1000 };

/** Runs `body` with the probe `name` forced to fail, restoring it after. */
async function withFallback(name: keyof typeof probes, body: () => Promise<void>): Promise<void> {
  const saved = probes[name];
  probes[name] = false;
  try {
    await body();
  } finally {
    probes[name] = saved;
  }
}

/** Piped through map(), reconnected; the server drops the first connection after one message. */
async function dropAndReconnect(): Promise<{ values: number[]; states: ConnectionState[]; connections: number }> {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<number>({ url: server.url });
  const states: ConnectionState[] = [];
  const watching = ws$.state$.subscribe((state) => states.push(state));
  const r = record(ws$.pipe(map((n) => n * 10), reconnect(fast)));
  const first = await server.nextConnection();
  first.send(1);
  await until(() => r.values.length === 1);
  first.drop();
  const second = await server.nextConnection({ timeout: 5000 });
  second.send(2);
  await until(() => r.values.length === 2);
  expect(r.notes.filter((n) => n.kind !== 'N')).toEqual([]); // the stream never ended
  r.subscription.unsubscribe();
  await until(() => ws$.state === 'closed');
  watching.unsubscribe();
  return { values: r.values, states, connections: server.connections.length };
}

describe('liftedSourceOf', () => {
  test('the probe passes on the installed rxjs 7: an operator keeps the observable it was lifted from', () => {
    expect(probes.liftedSource).toBe(true);
    const origin = of(1);
    expect(liftedSourceOf(origin.pipe(map((x) => x)))).toBe(origin);
    expect(liftedSourceOf(origin)).toBeUndefined();
    expect(liftedSourceOf(null)).toBeUndefined();
    expect(liftedSourceOf(42)).toBeUndefined();
  });

  test('forced fallback: it finds nothing', async () => {
    await withFallback('liftedSource', async () => {
      expect(liftedSourceOf(of(1).pipe(map((x) => x)))).toBeUndefined();
    });
  });

  test('with it: reconnect() on subject.pipe(map(...)) reconnects through the subject (state$ says reconnecting)', async () => {
    const { values, states, connections } = await dropAndReconnect();
    expect(values).toEqual([10, 20]);
    expect(connections).toBe(2);
    expect(states).toContain('reconnecting');
  });

  test('forced fallback: reconnect() on subject.pipe(map(...)) still reconnects, by resubscribing (no state reporting)', async () => {
    await withFallback('liftedSource', async () => {
      const { values, states, connections } = await dropAndReconnect();
      expect(values).toEqual([10, 20]);
      expect(connections).toBe(2);
      expect(states).not.toContain('reconnecting');
      expect(states).toEqual(expect.arrayContaining(['connecting', 'open', 'closed']));
    });
  });

  test('forced fallback: reconnect() on the subject itself and on a multiplexed stream still reports its state', async () => {
    await withFallback('liftedSource', async () => {
      const server = await createTestServer({ json: true });
      const ws$ = webSocket<{ topic: string; n: number }>({ url: server.url });
      const states: ConnectionState[] = [];
      const watching = ws$.state$.subscribe((state) => states.push(state));
      const topic$ = ws$.multiplex(
        () => ({ topic: 'a', n: 0 }),
        () => ({ topic: 'a', n: -1 }),
        (m) => m.topic === 'a',
      );
      const onTopic = record(topic$.pipe(reconnect(fast)));
      const onSubject = record(ws$.pipe(reconnect(fast)));
      const first = await server.nextConnection();
      first.send({ topic: 'a', n: 1 });
      await until(() => onTopic.values.length === 1 && onSubject.values.length === 1);
      first.drop();
      const second = await server.nextConnection({ timeout: 5000 });
      second.send({ topic: 'a', n: 2 });
      await until(() => onTopic.values.length === 2 && onSubject.values.length === 2);
      expect(states).toContain('reconnecting');
      expect(server.connections).toHaveLength(2); // one shared schedule, one socket
      onTopic.subscription.unsubscribe();
      onSubject.subscription.unsubscribe();
      await until(() => ws$.state === 'closed');
      watching.unsubscribe();
    });
  });
});
