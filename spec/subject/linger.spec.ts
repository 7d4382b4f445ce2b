// linger (issue #19 item 3): the connection outlives its last subscriber by `linger` ms on Jest's
// fake timers (the linger timers are the engine's setTimeout), against real servers: the kit's
// waits run on real time, and the I/O flows while the code under test sits on fake time.
import { multiplex, webSocket } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';
import type { Subscription } from 'rxjs';
import { topicServer, type Command, type Message } from './topic-protocol.js';

useTestServers();

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

/** Waits (on setImmediate turns: real I/O, no fake timers) until `predicate` holds. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; !predicate(); i++) {
    if (i > 200_000) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a subscriber back within linger shares the open connection (no new handshake); then it closes with 1000', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<number>({ url: server.url, linger: 5000 });
  let first: Subscription | undefined = ws$.subscribe();
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open', 'open');
  first.unsubscribe();
  jest.advanceTimersByTime(3000);
  const values: number[] = [];
  const second = ws$.subscribe((v) => values.push(v));
  connection.send(7);
  await until(() => values.length === 1, 'the message on the same connection');
  expect(values).toEqual([7]);
  second.unsubscribe(); // linger starts over: the first timer (due at 5000) must not close it
  jest.advanceTimersByTime(4999);
  expect(ws$.state).toBe('open');
  expect(connection.isOpen).toBe(true);
  jest.advanceTimersByTime(1);
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  await until(() => ws$.state === 'closed', 'closed');
  expect(server.handshakes).toHaveLength(1);
  // After the linger: a new subscriber dials again.
  first = ws$.subscribe();
  await server.nextConnection();
  expect(server.handshakes).toHaveLength(2);
  first.unsubscribe();
  ws$.close(); // (it lingers otherwise)
});

test('without linger (the default) the last subscriber leaving closes at once', async () => {
  const server = await createTestServer();
  const ws$ = webSocket({ url: server.url });
  const subscription = ws$.subscribe();
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open', 'open');
  subscription.unsubscribe();
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('a multiplexed topic left and joined again within linger sends neither its unsubscribe nor a second subscribe', async () => {
  const { server, publish, count } = await topicServer();
  const ws$ = webSocket<Command, Message>({ url: server.url, linger: 10_000 });
  const prices$ = multiplex(ws$, () => ({ type: 'sub', topic: 'prices' }), () => ({ type: 'unsub', topic: 'prices' }), (m) => m.topic === 'prices');
  const seen: unknown[] = [];
  let subscription = prices$.subscribe((m) => seen.push(m.data));
  const connection = await server.nextConnection();
  await expect(connection).toReceiveMessage({ type: 'sub', topic: 'prices' });
  subscription.unsubscribe(); // a route change...
  jest.advanceTimersByTime(9000);
  subscription = prices$.subscribe((m) => seen.push(m.data)); // ...and back
  publish('prices', 42);
  await until(() => seen.length === 1, 'a price');
  expect(seen).toEqual([42]);
  expect([count('sub'), count('unsub')]).toEqual([1, 0]);
  expect(server.handshakes).toHaveLength(1);
  // Left for good: the unsubscribe goes out after linger, then the connection lingers and closes.
  subscription.unsubscribe();
  jest.advanceTimersByTime(10_000);
  await expect(connection).toReceiveMessage({ type: 'unsub', topic: 'prices' });
  jest.advanceTimersByTime(10_000);
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  expect([count('sub'), count('unsub')]).toEqual([1, 1]);
});

test.each([60_000, Infinity])('close() while lingering (linger %p) closes at once', async (linger) => {
  const server = await createTestServer();
  const ws$ = webSocket({ url: server.url, linger });
  ws$.subscribe().unsubscribe();
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open', 'open');
  jest.advanceTimersByTime(linger === Infinity ? 2 ** 31 : linger - 1); // (Infinity: no timer at all)
  expect(connection.isOpen).toBe(true);
  ws$.close();
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  await until(() => ws$.state === 'closed', 'closed');
  expect(jest.getTimerCount()).toBe(0); // the linger timer went with the connection
});

test('a bad linger is refused up front, naming the option', () => {
  for (const linger of [-1, '5000', NaN, 1.5, null]) {
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', linger: linger as number })).toThrow(/webSocket\(\): 'linger' must be a whole number >= 0 or Infinity/);
  }
  expect(() => webSocket({ url: 'ws://127.0.0.1:1', linger: Infinity })).not.toThrow();
});
