// Observability (issue #19 item 6) on real servers (rxws/testing): the rxws:* diagnostics channels
// on Node, their fields, ids unique and new per reconnect, nothing built while nobody listens,
// drops, and logLifecycle() (rxws/observe), which gives the same events.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { webSocket, reconnect, WebSocketCloseError, type LifecycleEvent, type LifecycleType } from 'rxws';
import { logLifecycle } from 'rxws/observe';
import { volatile } from 'rxws/queue';
import { createTestServer, useTestServers } from 'rxws/testing';
import * as lifecycle from '../../lib/subject/lifecycle.js';
import { record, until } from '../subject/helpers.js';

useTestServers();

const TYPES: readonly LifecycleType[] = ['connect', 'open', 'close', 'error', 'reconnect', 'drop'];
const fast = { initialDelay: 10, maxDelay: 40, resetAfter: 1000 };

/** Subscribes to every rxws:* channel; keeps the messages `keep` accepts (other specs' sockets may share the process). */
function listen(keep: (event: LifecycleEvent) => boolean = () => true): { events: LifecycleEvent[]; stop: () => void } {
  const events: LifecycleEvent[] = [];
  const onMessage = (message: unknown): void => {
    if (keep(message as LifecycleEvent)) events.push(message as LifecycleEvent);
  };
  for (const type of TYPES) subscribe(`rxws:${type}`, onMessage);
  return { events, stop: () => TYPES.forEach((type) => unsubscribe(`rxws:${type}`, onMessage)) };
}

const of = <T extends LifecycleType>(events: readonly LifecycleEvent[], type: T): LifecycleEvent<T>[] => events.filter((e): e is LifecycleEvent<T> => e.type === type);

describe('the rxws:* diagnostics channels', () => {
  test('connect, open (protocol, extensions, handshake ms) and a close by the server (code, reason, wasClean), each with the id and url', async () => {
    const server = await createTestServer({ json: true, protocols: ['chat.v1'], perMessageDeflate: true });
    const seen = listen((e) => e.url === server.url);
    const ws$ = webSocket<string>({ url: server.url, protocol: ['chat.v1'] });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => seen.events.length === 2, 5000, 'connect and open');
    void connection.close(4001, 'bye');
    await r.done;
    await until(() => seen.events.length === 3, 5000, 'close');
    seen.stop();
    const [connect, open, close] = seen.events as [LifecycleEvent<'connect'>, LifecycleEvent<'open'>, LifecycleEvent<'close'>];
    expect(connect).toEqual({ type: 'connect', id: expect.any(Number), url: server.url });
    expect(open).toEqual({ type: 'open', id: connect.id, url: server.url, protocol: 'chat.v1', extensions: expect.stringContaining('permessage-deflate'), handshakeMs: expect.any(Number) });
    expect(open.handshakeMs).toBeGreaterThanOrEqual(0);
    expect(close).toEqual({ type: 'close', id: connect.id, url: server.url, code: 4001, reason: 'bye', wasClean: true, by: 'server' });
  });

  test("a close by the client, and one with no close frame ('network'): who closed", async () => {
    const server = await createTestServer({ json: true });
    const seen = listen((e) => e.url === server.url);
    const ws$ = webSocket<string>({ url: server.url });
    const first = record(ws$);
    await server.nextConnection();
    await until(() => ws$.state === 'open', 5000, 'open');
    first.subscription.unsubscribe(); // the last subscriber leaves: the client closes with 1000
    await until(() => of(seen.events, 'close').length === 1, 5000, 'the client close');
    const second = record(ws$);
    (await server.nextConnection()).drop(); // the TCP connection is cut: no close frame
    await second.done;
    await until(() => of(seen.events, 'close').length === 2, 5000, 'the lost connection');
    seen.stop();
    expect(of(seen.events, 'close').map(({ code, wasClean, by }) => ({ code, wasClean, by }))).toEqual([
      { code: 1000, wasClean: true, by: 'client' },
      { code: 1006, wasClean: false, by: 'network' },
    ]);
    const [a, b] = of(seen.events, 'connect');
    expect(b!.id).toBeGreaterThan(a!.id); // each connection its own id
  });

  test('error carries the cause (a refused handshake with its HTTP status), then the close', async () => {
    const server = await createTestServer({ json: true });
    server.refuseNext(1, 503);
    const seen = listen((e) => e.url === server.url);
    const r = record(webSocket<string>({ url: server.url }));
    await r.done;
    await until(() => of(seen.events, 'close').length === 1, 5000, 'close');
    seen.stop();
    expect(seen.events.map((e) => e.type)).toEqual(['connect', 'error', 'close']);
    const [error] = of(seen.events, 'error');
    expect(error!.cause).toMatchObject({ status: 503 });
    expect(error!.id).toBe(seen.events[0]!.id);
    expect(of(seen.events, 'close')[0]).toMatchObject({ code: 1006, wasClean: false, by: 'network' });
  });

  test('reconnect (attempt, delay, reason, cause) names the connection that ended; the next one has a new id', async () => {
    const server = await createTestServer({ json: true });
    const seen = listen((e) => e.url === server.url);
    const ws$ = webSocket<string>({ url: server.url });
    const r = record(ws$.pipe(reconnect(fast)));
    void (await server.nextConnection()).close(1012, 'restart');
    await server.nextConnection({ timeout: 5000 });
    await until(() => of(seen.events, 'open').length === 2, 5000, 'the second open');
    r.subscription.unsubscribe();
    await until(() => of(seen.events, 'close').length === 2, 5000, 'the second close');
    seen.stop();
    expect(seen.events.map((e) => e.type)).toEqual(['connect', 'open', 'close', 'reconnect', 'connect', 'open', 'close']);
    const [first, second] = of(seen.events, 'connect');
    const [scheduled] = of(seen.events, 'reconnect');
    expect(scheduled).toEqual({ type: 'reconnect', id: first!.id, url: server.url, attempt: 1, delay: expect.any(Number), reason: 'backoff', cause: expect.any(WebSocketCloseError) });
    expect((scheduled!.cause as WebSocketCloseError).code).toBe(1012);
    expect(second!.id).not.toBe(first!.id);
    expect(seen.events.slice(4).every((e) => e.id === second!.id)).toBe(true);
  });

  test('ids are unique in the process, across subjects', async () => {
    const server = await createTestServer({ json: true });
    const seen = listen((e) => e.url === server.url && e.type === 'connect');
    const subjects = [1, 2, 3].map(() => record(webSocket<string>({ url: server.url })));
    await until(() => server.openConnections.length === 3, 5000, 'three connections');
    subjects.forEach((s) => s.subscription.unsubscribe());
    seen.stop();
    expect(new Set(seen.events.map((e) => e.id)).size).toBe(3);
  });

  test("drop: what goes to dropped$ (overflow before any connection: id 0 and url ''; volatile on a connection: its id)", async () => {
    const server = await createTestServer({ json: true });
    const seen = listen((e) => e.type === 'drop' ? e.data === '"a"' || e.data === '"v"' : e.url === server.url);
    const ws$ = webSocket<string>({ url: server.url, queue: { limit: 1, overflow: 'drop-oldest' } });
    ws$.next('a');
    ws$.next('b'); // the queue holds one: "a" goes
    const r = record(ws$);
    await server.nextConnection();
    await until(() => of(seen.events, 'open').length === 1, 5000, 'open');
    r.subscription.unsubscribe();
    await until(() => ws$.state === 'closed', 5000, 'closed');
    volatile(ws$).next('v'); // not open: dropped, named after the last connection
    seen.stop();
    const [connect] = of(seen.events, 'connect');
    expect(of(seen.events, 'drop')).toEqual([
      { type: 'drop', id: 0, url: '', reason: 'overflow', data: '"a"' },
      { type: 'drop', id: connect!.id, url: server.url, reason: 'volatile', data: '"v"' },
    ]);
  });
});

describe('no cost while nobody subscribes', () => {
  test('no event is built without a subscriber; one channel subscribed builds that channel\'s events only; ids are noted all along', async () => {
    const built = jest.spyOn(lifecycle, 'lifecycleEvent');
    try {
      const server = await createTestServer({ json: true });
      const quiet = webSocket<string>({ url: server.url });
      const r = record(quiet);
      (await server.nextConnection()).drop();
      await r.done;
      expect(built).not.toHaveBeenCalled();
      const closes: LifecycleEvent[] = [];
      const onClose = (message: unknown): void => void closes.push(message as LifecycleEvent);
      subscribe('rxws:close', onClose);
      try {
        const r2 = record(quiet);
        (await server.nextConnection()).drop();
        await r2.done;
        await until(() => closes.some((e) => e.url === server.url), 5000, 'the close');
      } finally {
        unsubscribe('rxws:close', onClose);
      }
      const types = built.mock.calls.map((call) => call[1]);
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((type) => type === 'close')).toBe(true);
      expect(closes.find((e) => e.url === server.url)!.id).toBeGreaterThan(0); // noted at connect, while nobody listened
    } finally {
      built.mockRestore();
    }
  });
});

describe('logLifecycle() (rxws/observe)', () => {
  test('gives the same events as the channels, in order; the function it returns stops it', async () => {
    const server = await createTestServer({ json: true });
    const seen = listen((e) => e.url === server.url);
    const ws$ = webSocket<string>({ url: server.url });
    const logged: LifecycleEvent[] = [];
    const stop = logLifecycle(ws$, (event) => logged.push(event));
    const r = record(ws$.pipe(reconnect(fast)));
    void (await server.nextConnection()).close(1012, 'restart');
    await server.nextConnection({ timeout: 5000 });
    await until(() => logged.filter((e) => e.type === 'open').length === 2, 5000, 'the second open');
    stop();
    r.subscription.unsubscribe();
    await until(() => of(seen.events, 'close').length === 2, 5000, 'the second close');
    seen.stop();
    expect(logged.map((e) => e.type)).toEqual(['connect', 'open', 'close', 'reconnect', 'connect', 'open']);
    expect(logged).toEqual(seen.events.slice(0, 6));
    expect(logged[2]).toMatchObject({ code: 1012, reason: 'restart', wasClean: true, by: 'server' });
  });

  test('a throwing log is reported as unhandled and the connection carries on; wrong arguments are TypeErrors', async () => {
    expect(() => logLifecycle({} as never, () => undefined)).toThrow(TypeError);
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>({ url: server.url });
    expect(() => logLifecycle(ws$, 'log' as never)).toThrow(/logLifecycle\(\).*log/);
    const reported: unknown[] = [];
    const { config } = await import('rxjs');
    const saved = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const stop = logLifecycle(ws$, () => {
        throw new Error('log failed');
      });
      const r = record(ws$);
      const connection = await server.nextConnection();
      connection.send('hello');
      await until(() => r.values.length === 1, 5000, 'the message');
      await until(() => reported.length >= 2, 5000, 'the reports'); // connect and open
      expect((reported[0] as Error).message).toBe('log failed');
      stop();
      r.subscription.unsubscribe();
      await until(() => ws$.state === 'closed', 5000, 'closed');
    } finally {
      config.onUnhandledError = saved;
    }
  });
});
