// Drop-in behaviour: everything rxjs/webSocket 7.x accepts, and the behaviour kept where sound.
import { webSocket, WebSocket, WebSocketSubject } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { Observable, firstValueFrom, map, take, toArray } from 'rxjs';
import { CountingWebSocket, delay, record, until } from './helpers.js';

useTestServers();

describe('webSocket(url | config)', () => {
  test('webSocket(url): next() sends JSON, subscribe() receives JSON.parse(e.data)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<unknown>(server.url);
    expect(ws$).toBeInstanceOf(WebSocketSubject);
    expect(ws$).toBeInstanceOf(Observable);
    const r = record(ws$);
    const connection = await server.nextConnection();
    ws$.next({ hello: 'world' });
    await expect(connection.nextMessage()).resolves.toEqual({ hello: 'world' });
    connection.send({ n: 1 });
    connection.send([1, 2]);
    await until(() => r.values.length === 2);
    expect(r.values).toEqual([{ n: 1 }, [1, 2]]);
    r.subscription.unsubscribe();
  });

  test('webSocket(URL object) and webSocket({ url })', async () => {
    const server = await createTestServer();
    const a = record(webSocket(new URL(server.url)));
    const b = record(webSocket({ url: server.url }));
    await server.nextConnection();
    await server.nextConnection();
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
  });

  test('custom serializer and deserializer; the serializer output is sent as is', async () => {
    const server = await createTestServer();
    const ws$ = webSocket<number, string>({
      url: server.url,
      serializer: (n) => `n=${n}`,
      deserializer: (e) => String(e.data).toUpperCase(),
    });
    const r = record(ws$);
    ws$.next(42);
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('n=42');
    connection.send('abc');
    await until(() => r.values.length === 1);
    expect(r.values).toEqual(['ABC']);
    r.subscription.unsubscribe();
  });

  test('resultSelector (rxjs 7 deprecated alias) works as the deserializer', async () => {
    const server = await createTestServer();
    const ws$ = webSocket<string>({ url: server.url, resultSelector: (e: MessageEvent) => `<${String(e.data)}>` });
    const r = record(ws$);
    const connection = await server.nextConnection();
    connection.send('x');
    await until(() => r.values.length === 1);
    expect(r.values).toEqual(['<x>']);
    r.subscription.unsubscribe();
  });

  test('protocol: a string or a list is offered; openObserver gets the open event', async () => {
    const server = await createTestServer({ protocols: ['b'] });
    const opens: Event[] = [];
    const ws$ = webSocket({ url: server.url, protocol: ['a', 'b'], openObserver: { next: (e) => opens.push(e) } });
    const r = record(ws$);
    const connection = await server.nextConnection();
    expect(connection.request.protocols).toEqual(['a', 'b']);
    expect(connection.protocol).toBe('b');
    await until(() => opens.length === 1);
    expect(opens[0]!.type).toBe('open');
    r.subscription.unsubscribe();

    const single = record(webSocket({ url: server.url, protocol: 'b' }));
    expect((await server.nextConnection()).request.protocols).toEqual(['b']);
    single.subscription.unsubscribe();
  });

  test('binaryType is set on the socket; binary messages arrive as that type', async () => {
    const server = await createTestServer();
    const ws$ = webSocket<unknown, unknown>({ url: server.url, binaryType: 'arraybuffer', deserializer: (e) => e.data });
    const r = record(ws$);
    const connection = await server.nextConnection();
    connection.send(new Uint8Array([1, 2, 3]));
    await until(() => r.values.length === 1);
    expect(r.values[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(r.values[0] as ArrayBuffer)]).toEqual([1, 2, 3]);
    r.subscription.unsubscribe();
  });

  test('WebSocketCtor is used, called as new Ctor(url) or new Ctor(url, protocol)', async () => {
    const server = await createTestServer();
    const calls: unknown[][] = [];
    class Spy extends WebSocket {
      constructor(...args: [string, (string | string[])?]) {
        super(...args);
        calls.push(args);
      }
    }
    const a = record(webSocket({ url: server.url, WebSocketCtor: Spy }));
    await server.nextConnection();
    const b = record(webSocket({ url: server.url, WebSocketCtor: Spy, protocol: 'p' }));
    await server.nextConnection();
    expect(calls).toEqual([[server.url], [server.url, 'p']]);
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
  });
});

describe('lifecycle', () => {
  test('nothing connects until the first subscriber; all subscribers share one connection', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<unknown>(server.url);
    await delay(50); // a quiet window is the behaviour under test: with no subscriber, nothing connects
    expect(server.handshakes).toHaveLength(0);
    const a = record(ws$);
    const b = record(ws$);
    const connection = await server.nextConnection();
    connection.send('both');
    await until(() => a.values.length === 1 && b.values.length === 1);
    await delay(30); // a quiet window: no second connection is opened for b
    expect(server.connections).toHaveLength(1);
    a.subscription.unsubscribe();
    // No close frame went out: a message sent now arrives (frames are ordered), on an open connection.
    ws$.next('probe');
    await expect(connection.nextMessage()).resolves.toBe('probe');
    expect(connection.isOpen).toBe(true); // b still listens
    b.subscription.unsubscribe();
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  });

  test('next() before open is queued and flushed in order on open', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>(server.url);
    for (let i = 0; i < 100; i++) ws$.next(i);
    expect(ws$.queueLength).toBe(100);
    const r = record(ws$);
    const connection = await server.nextConnection();
    const got: unknown[] = [];
    for (let i = 0; i < 100; i++) got.push(await connection.nextMessage());
    expect(got).toEqual([...Array(100).keys()]);
    expect(ws$.queueLength).toBe(0);
    r.subscription.unsubscribe();
  });

  test('complete() closes with 1000 after the queued messages; subscribers complete', async () => {
    const server = await createTestServer({ json: true });
    const closing: unknown[] = [];
    const ws$ = webSocket<string>({ url: server.url, closingObserver: { next: () => closing.push('closing') } });
    const r = record(ws$);
    ws$.next('a');
    ws$.complete(); // still connecting: the close waits for open and the flush
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('a');
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000, wasClean: true });
    await expect(r.done).resolves.toEqual({ kind: 'C' });
    expect(closing).toEqual(['closing']);
  });

  test('error({ code, reason }) closes with that code; subscribers complete (the close is the client\'s)', async () => {
    const server = await createTestServer();
    const ws$ = webSocket(server.url);
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    ws$.error({ code: 4000, reason: 'I think our app just broke!' });
    await expect(connection.waitForClose()).resolves.toEqual({ code: 4000, reason: 'I think our app just broke!', wasClean: true });
    await expect(r.done).resolves.toEqual({ kind: 'C' });
  });

  test('resubscribing after a close opens a new connection', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>(server.url);
    const first = record(ws$);
    const c1 = await server.nextConnection();
    first.subscription.unsubscribe();
    await c1.waitForClose();
    const second = record(ws$);
    const c2 = await server.nextConnection();
    ws$.next(2);
    await expect(c2.nextMessage()).resolves.toBe(2);
    expect(c1.id).not.toBe(c2.id);
    second.subscription.unsubscribe();
  });

  test('a plain Observable pipeline works (pipe returns a plain Observable, not a WebSocketSubject)', async () => {
    const server = await createTestServer({ json: true });
    server.on({ q: 1 }).reply({ a: 1 }).reply({ a: 2 }).reply({ a: 3 });
    const ws$ = webSocket<{ q?: number; a?: number }>(server.url);
    const piped = ws$.pipe(
      map((m) => m.a),
      take(3),
      toArray(),
    );
    expect(piped).not.toBeInstanceOf(WebSocketSubject);
    ws$.next({ q: 1 });
    await expect(firstValueFrom(piped)).resolves.toEqual([1, 2, 3]);
    const connection = server.connections[0]!;
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  });

  test('asObservable() hides next(); observed says whether anyone listens', async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url, WebSocketCtor: CountingWebSocket });
    const plain = ws$.asObservable();
    expect('next' in plain).toBe(false);
    expect(ws$.observed).toBe(false);
    const r = record(plain);
    expect(ws$.observed).toBe(true);
    await server.nextConnection();
    r.subscription.unsubscribe();
    expect(ws$.observed).toBe(false);
  });
});

describe('multiplex', () => {
  test('sends subMsg on subscribe, filters messages, sends unsubMsg on unsubscribe', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<{ subscribe?: string; unsubscribe?: string; type?: string; n?: number }>(server.url);
    const a$ = ws$.multiplex(() => ({ subscribe: 'A' }), () => ({ unsubscribe: 'A' }), (m) => m.type === 'A');
    const b$ = ws$.multiplex(() => ({ subscribe: 'B' }), () => ({ unsubscribe: 'B' }), (m) => m.type === 'B');
    const a = record(a$);
    const b = record(b$);
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toEqual({ subscribe: 'A' });
    await expect(connection.nextMessage()).resolves.toEqual({ subscribe: 'B' });
    connection.send({ type: 'A', n: 1 });
    connection.send({ type: 'B', n: 2 });
    connection.send({ type: 'C', n: 3 });
    await until(() => a.values.length === 1 && b.values.length === 1);
    expect(a.values).toEqual([{ type: 'A', n: 1 }]);
    expect(b.values).toEqual([{ type: 'B', n: 2 }]);
    b.subscription.unsubscribe();
    await expect(connection.nextMessage()).resolves.toEqual({ unsubscribe: 'B' });
    a.subscription.unsubscribe();
    await expect(connection.nextMessage()).resolves.toEqual({ unsubscribe: 'A' });
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
    expect(server.connections).toHaveLength(1);
  });

  test('errors in subMsg, unsubMsg or messageFilter error only that stream', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<unknown, { type?: string }>(server.url);
    const main = record(ws$);
    const connection = await server.nextConnection();
    const boom = new Error('boom');
    const badSub = record(ws$.multiplex(() => { throw boom; }, () => 'u', () => true));
    expect(badSub.notes).toEqual([{ kind: 'E', error: boom }]);
    const badFilter = record(ws$.multiplex(() => 's', () => 'u', () => { throw boom; }));
    await expect(connection.nextMessage()).resolves.toBe('s');
    connection.send({ type: 'x' });
    await expect(badFilter.done).resolves.toEqual({ kind: 'E', error: boom });
    await expect(connection.nextMessage()).resolves.toBe('u'); // teardown still unsubscribes
    connection.send({ type: 'y' });
    await until(() => main.values.length === 2);
    expect(main.notes.every((n) => n.kind === 'N')).toBe(true);
    main.subscription.unsubscribe();
  });

  test('unsubMsg is not sent into a closed connection (nor queued for the next one)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<unknown>(server.url);
    const a = record(ws$.multiplex(() => 'sub', () => 'unsub', () => true));
    const c1 = await server.nextConnection();
    await expect(c1.nextMessage()).resolves.toBe('sub');
    await c1.close(1011, 'oops');
    await expect(a.done).resolves.toMatchObject({ kind: 'E', error: { code: 1011 } });
    expect(ws$.queueLength).toBe(0);
    const again = record(ws$);
    const c2 = await server.nextConnection();
    await c2.expectNoMessage(100);
    again.subscription.unsubscribe();
  });
});
