// No silent loss: the outbound queue (CONNECTING, CLOSING, between connections), its bound and
// overflow policies, dropped$, the reset races of rxjs 7, and what happens when send() or the
// serializer throws.
import { webSocket, QueueOverflowError, DEFAULT_QUEUE_LIMIT, WebSocket, type DroppedMessage, type QueueConfig } from 'rxws';
import { createTestServer, useTestServers, type TestConnection } from 'rxws/testing';
import { retry } from 'rxjs';
import { delay, record, until } from './helpers.js';

useTestServers();

async function messages(connection: TestConnection, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(await connection.nextMessage());
  return out;
}

describe('queueing', () => {
  test('next() while CLOSING is queued for the next connection, not dropped', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>(server.url);
    const r = record(ws$);
    const c1 = await server.nextConnection();
    await until(() => ws$.state === 'open');
    ws$.close();
    expect(ws$.state).toBe('closing');
    ws$.next('while closing');
    expect(ws$.queueLength).toBe(1);
    await r.done;
    await c1.waitForClose();
    expect(c1.messages).toEqual([]);
    const again = record(ws$);
    const c2 = await server.nextConnection();
    await expect(c2.nextMessage()).resolves.toBe('while closing');
    again.subscription.unsubscribe();
  });

  test('next() between connections waits in the queue (nobody subscribed), then goes out in order', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>(server.url);
    const r = record(ws$);
    const c1 = await server.nextConnection();
    r.subscription.unsubscribe();
    await c1.waitForClose();
    ws$.next(1);
    ws$.next(2);
    await delay(30); // a quiet window is the behaviour under test: with nobody subscribed, nothing connects
    expect(ws$.queueLength).toBe(2);
    expect(server.connections).toHaveLength(1);
    const again = record(ws$);
    const c2 = await server.nextConnection();
    ws$.next(3);
    await expect(messages(c2, 3)).resolves.toEqual([1, 2, 3]);
    again.subscription.unsubscribe();
  });

  test('an abandoned connection keeps its queue: unsubscribing while CONNECTING loses nothing', async () => {
    const server = await createTestServer({ json: true });
    server.delayHandshake(Infinity);
    const ws$ = webSocket<string>(server.url);
    const r = record(ws$);
    ws$.next('a');
    await until(() => server.heldHandshakes === 1);
    r.subscription.unsubscribe();
    server.delayHandshake(0); // the abandoned handshake stays held; new ones go through
    await until(() => ws$.state === 'closed');
    expect(ws$.queueLength).toBe(1);
    const again = record(ws$);
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('a');
    again.subscription.unsubscribe();
  });

  test('messages sent from openObserver go after the queued ones; order is kept', async () => {
    const server = await createTestServer({ json: true });
    const ws$: ReturnType<typeof webSocket<string>> = webSocket<string>({
      url: server.url,
      openObserver: { next: () => ws$.next('hello from open') },
    });
    ws$.next('queued 1');
    ws$.next('queued 2');
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    ws$.next('after open');
    await expect(messages(connection, 4)).resolves.toEqual(['queued 1', 'queued 2', 'hello from open', 'after open']);
    r.subscription.unsubscribe();
  });
});

describe('reset races (rxjs 7 loses these messages)', () => {
  test('a next() from an error handler is sent on the next connection', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>(server.url);
    ws$.subscribe({ error: () => ws$.next('sent from error handler') });
    const c1 = await server.nextConnection();
    await c1.close(1011);
    await until(() => ws$.state === 'closed');
    expect(ws$.queueLength).toBe(1);
    const again = record(ws$);
    const c2 = await server.nextConnection();
    await expect(c2.nextMessage()).resolves.toBe('sent from error handler');
    again.subscription.unsubscribe();
  });

  test('a next() from another subscriber reacting to the close is sent after retry reconnects', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>(server.url);
    const retried = record(ws$.pipe(retry(1)));
    ws$.subscribe({ error: () => ws$.next('from subscriber 2') });
    ws$.close$.subscribe(() => ws$.next('from close$'));
    const c1 = await server.nextConnection();
    await c1.close(1012);
    const c2 = await server.nextConnection();
    await expect(messages(c2, 2)).resolves.toEqual(['from close$', 'from subscriber 2']);
    expect(ws$.queueLength).toBe(0);
    retried.subscription.unsubscribe();
  });

  test('a next() from complete handlers and closeObserver after a client close is kept', async () => {
    const server = await createTestServer({ json: true });
    const ws$: ReturnType<typeof webSocket<string>> = webSocket<string>({
      url: server.url,
      closeObserver: { next: () => ws$.next('from closeObserver') },
    });
    ws$.subscribe({ complete: () => ws$.next('from complete') });
    const c1 = await server.nextConnection();
    await until(() => ws$.state === 'open');
    ws$.complete();
    await c1.waitForClose();
    await until(() => ws$.queueLength === 2);
    const again = record(ws$);
    const c2 = await server.nextConnection();
    await expect(messages(c2, 2)).resolves.toEqual(['from closeObserver', 'from complete']);
    again.subscription.unsubscribe();
  });
});

describe('the bound', () => {
  function offline(queue: QueueConfig | undefined) {
    const dropped: DroppedMessage[] = [];
    const ws$ = webSocket<number>({ url: 'ws://127.0.0.1:1', queue });
    ws$.dropped$.subscribe((d) => dropped.push(d));
    return { ws$, dropped };
  }

  test('the default bound is finite: 10,000 messages, then the oldest are dropped (and reported)', () => {
    expect(DEFAULT_QUEUE_LIMIT).toBe(10_000);
    const { ws$, dropped } = offline(undefined);
    for (let i = 0; i < 10_002; i++) ws$.next(i);
    expect(ws$.queueLength).toBe(10_000);
    expect(dropped).toEqual([
      { data: '0', reason: 'overflow' },
      { data: '1', reason: 'overflow' },
    ]);
    const kept = ws$.clearQueue();
    expect(kept[0]).toBe('2');
    expect(kept[kept.length - 1]).toBe('10001');
    expect(ws$.queueLength).toBe(0);
  });

  test("overflow 'drop-newest' keeps what is queued and drops the new message", () => {
    const { ws$, dropped } = offline({ limit: 2, overflow: 'drop-newest' });
    [1, 2, 3, 4].forEach((n) => ws$.next(n));
    expect(ws$.clearQueue()).toEqual(['1', '2']);
    expect(dropped.map((d) => d.data)).toEqual(['3', '4']);
  });

  test("overflow 'error' throws QueueOverflowError to the caller (and reports the drop)", () => {
    const { ws$, dropped } = offline({ limit: 1, overflow: 'error' });
    ws$.next(1);
    let thrown: unknown;
    try {
      ws$.next(2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(QueueOverflowError);
    expect(thrown).toMatchObject({ name: 'QueueOverflowError', limit: 1, data: '2' });
    expect(dropped).toEqual([{ data: '2', reason: 'overflow' }]);
    expect(ws$.clearQueue()).toEqual(['1']);
  });

  test('limit 0 turns queueing off; Infinity lifts the bound', () => {
    const off = offline({ limit: 0 });
    off.ws$.next(1);
    expect(off.ws$.queueLength).toBe(0);
    expect(off.dropped).toEqual([{ data: '1', reason: 'overflow' }]);
    const unbounded = offline({ limit: Infinity });
    for (let i = 0; i < 20_000; i++) unbounded.ws$.next(i);
    expect(unbounded.ws$.queueLength).toBe(20_000);
    expect(unbounded.dropped).toEqual([]);
  });

  test('limit 0 still sends at once while OPEN', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>({ url: server.url, queue: { limit: 0 } });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    ws$.next(7);
    await expect(connection.nextMessage()).resolves.toBe(7);
    r.subscription.unsubscribe();
  });
});

describe('failures while sending', () => {
  test('a throwing serializer throws its own error to the next() caller; nothing is queued; the connection lives', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<unknown>(server.url); // JSON.stringify throws on cycles and BigInt
    const r = record(ws$);
    const connection = await server.nextConnection();
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => ws$.next(cyclic)).toThrow(TypeError);
    expect(() => ws$.next(cyclic)).toThrow(/circular/i); // the serializer's own message, not rxjs's "must be called with an object with an error code"
    expect(() => ws$.next(10n)).toThrow(/BigInt/);
    expect(ws$.queueLength).toBe(0);
    ws$.next('fine');
    await expect(connection.nextMessage()).resolves.toBe('fine');
    expect(r.notes).toEqual([]);
    expect(connection.isOpen).toBe(true);
    r.subscription.unsubscribe();

    // Before open too: the throw reaches the caller, nothing is queued.
    const custom = webSocket<number>({ url: server.url, serializer: (n) => { if (n < 0) throw new RangeError('negative'); return String(n); } });
    expect(() => custom.next(-1)).toThrow(new RangeError('negative'));
    expect(custom.queueLength).toBe(0);
  });

  test('send() throwing while OPEN throws to the caller; during the flush the message goes to dropped$', async () => {
    const server = await createTestServer();
    class Picky extends WebSocket {
      override send(data: string): void {
        if (data === 'bad') throw new TypeError('cannot send that');
        super.send(data);
      }
    }
    const ws$ = webSocket<string>({ url: server.url, WebSocketCtor: Picky, serializer: (s) => s });
    const dropped: DroppedMessage[] = [];
    ws$.dropped$.subscribe((d) => dropped.push(d));
    ws$.next('a');
    ws$.next('bad');
    ws$.next('b');
    const r = record(ws$);
    const connection = await server.nextConnection();
    await expect(messages(connection, 2)).resolves.toEqual(['a', 'b']);
    expect(dropped).toEqual([{ data: 'bad', reason: 'send-error', error: new TypeError('cannot send that') }]);
    expect(() => ws$.next('bad')).toThrow('cannot send that');
    ws$.next('c');
    await expect(connection.nextMessage()).resolves.toBe('c');
    r.subscription.unsubscribe();
  });
});
