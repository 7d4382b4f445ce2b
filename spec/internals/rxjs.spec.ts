// lib/internals/rxjs.ts: each reach into rxjs's private state, with its probe, and the key
// behaviours with the fallback forced (probes.<name> = false), against a real server.
import { map, of } from 'rxjs';
import { webSocket, reconnect, type ConnectionState } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { DirectSubscriber, directSubscriber, isSubscriberLike, liftedSourceOf, probes } from '../../lib/internals/rxjs.js';
import { Subscriber } from 'rxjs';
import { WebSocketCloseError } from 'rxws';
import { record, until } from '../subject/helpers.js';

useTestServers();

const fast = { initialDelay: 10, maxDelay: 40, resetAfter: 1000 };

/** Runs `body` with the probe `name` forced to fail, restoring it after. */
async function withFallback(name: keyof typeof probes, body: () => Promise<void>): Promise<void> {
  const flags = probes as Record<keyof typeof probes, boolean | undefined>;
  const saved = flags[name];
  flags[name] = false;
  try {
    await body();
  } finally {
    flags[name] = saved;
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
    const origin = of(1);
    expect(liftedSourceOf(origin.pipe(map((x) => x)))).toBe(origin);
    expect(probes.liftedSource).toBe(true); // probed on first use
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

/** A subject's key behaviours through `subscribe(observer)`: values, a server's error close, a client close, the last unsubscribe. */
async function subscribeBehaviours(): Promise<void> {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<number>({ url: server.url });
  const a = record(ws$);
  const b: number[] = [];
  const bSub = ws$.subscribe((n) => b.push(n));
  const first = await server.nextConnection();
  first.send(1);
  await until(() => a.values.length === 1 && b.length === 1);
  bSub.unsubscribe();
  first.send(2);
  await until(() => a.values.length === 2);
  expect(b).toEqual([1]);
  await first.close(1011, 'oops');
  await expect(a.done).resolves.toMatchObject({ kind: 'E', error: expect.any(WebSocketCloseError) });
  const c = record(ws$);
  const second = await server.nextConnection();
  ws$.next(3);
  await expect(second.nextMessage()).resolves.toBe(3);
  ws$.complete();
  await expect(c.done).resolves.toEqual({ kind: 'C' });
  const d = record(ws$);
  const third = await server.nextConnection();
  await until(() => ws$.state === 'open');
  d.subscription.unsubscribe(); // the last subscriber leaves: close 1000
  await expect(third.closed).resolves.toMatchObject({ code: 1000 });
}

describe('directSubscriber', () => {
  test('the probe passes on the installed rxjs 7; subscribe(observer) uses rxws\'s subscriber', async () => {
    expect(directSubscriber<number>(() => undefined)).toBeInstanceOf(DirectSubscriber);
    expect(probes.directSubscriber).toBe(true);
    await subscribeBehaviours();
  });

  test('forced fallback: no direct subscriber, and subscribe(observer) goes through rxjs with the same behaviour', async () => {
    await withFallback('directSubscriber', async () => {
      expect(directSubscriber<number>(() => undefined)).toBeUndefined();
      const server = await createTestServer({ json: true });
      const ws$ = webSocket<number>({ url: server.url });
      const subscription = ws$.subscribe(() => undefined);
      expect(subscription).toBeInstanceOf(Subscriber);
      expect(subscription).not.toBeInstanceOf(DirectSubscriber);
      subscription.unsubscribe();
      await subscribeBehaviours();
    });
  });

  test('isSubscriberLike follows rxjs: a Subscriber, or an object with the observer and subscription methods', () => {
    expect(isSubscriberLike(new Subscriber())).toBe(true);
    const fn = (): void => undefined;
    expect(isSubscriberLike({ next: fn, error: fn, complete: fn, unsubscribe: fn, add: fn, remove: fn })).toBe(true);
    expect(isSubscriberLike({ next: fn, error: fn, complete: fn })).toBe(false);
    expect(isSubscriberLike(fn)).toBe(false);
  });
});
