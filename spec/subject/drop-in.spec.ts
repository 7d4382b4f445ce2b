// Drop-in behaviour: everything rxjs/webSocket 7.x accepts, and the behaviour kept where sound.
import { handshake, webSocket, WebSocket, WebSocketSubject, WebSocketCloseError, reconnect, defaultShouldReconnect } from 'rxws';
import { WebSocket as WsWebSocket } from 'ws';
import { WebSocket as UndiciWebSocket } from 'undici';
import { createTestServer, useTestServers } from 'rxws/testing';
import { Observable, first, firstValueFrom, map, take, toArray } from 'rxjs';
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

  test('deserializer wins over its alias resultSelector, whichever is written first', async () => {
    const server = await createTestServer();
    const ws$ = webSocket<string>({ url: server.url, deserializer: (e: MessageEvent) => `d${String(e.data)}`, resultSelector: (e: MessageEvent) => `r${String(e.data)}` });
    const r = record(ws$);
    const connection = await server.nextConnection();
    connection.send('x');
    await until(() => r.values.length === 1);
    expect(r.values).toEqual(['dx']);
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

// ---- Sockets rxws did not make: test doubles and thin adapters ------------------------------

/**
 * A test double as rxjs users write them: no addEventListener, only the four handler attributes
 * (not even declared: rxws sets them), and plain event objects without `type`.
 */
class HandlerSocket {
  static made: HandlerSocket[] = [];
  static get last(): HandlerSocket {
    return HandlerSocket.made.at(-1)!;
  }
  readyState = 0;
  bufferedAmount = 0;
  binaryType?: string;
  readonly sent: unknown[] = [];
  readonly closeCalls: unknown[][] = [];
  constructor(
    readonly url: string,
    readonly protocol?: string | string[],
  ) {
    HandlerSocket.made.push(this);
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(...args: unknown[]): void {
    this.closeCalls.push(args);
    if (this.readyState < 2) this.readyState = 2;
  }
  private fire(name: 'open' | 'message' | 'error' | 'close', event: object): void {
    const handler = (this as unknown as Record<string, ((e: object) => void) | null | undefined>)[`on${name}`];
    handler?.(event);
  }
  open(): void {
    this.readyState = 1;
    this.fire('open', {});
  }
  message(data: unknown): void {
    this.fire('message', { data });
  }
  serverClose(event: { code?: number; reason?: string; wasClean: boolean }): void {
    this.readyState = 3;
    this.fire('close', event);
  }
}

describe('sockets with handler attributes only (test doubles, thin adapters)', () => {
  beforeEach(() => {
    HandlerSocket.made.length = 0;
  });

  test('WebSocketCtor: driven through onopen/onmessage/onclose; a plain { data } is a message', () => {
    const opens: unknown[] = [];
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket, openObserver: { next: (e) => opens.push(e) } });
    ws$.next('queued');
    const r = record(ws$);
    const socket = HandlerSocket.last; // made synchronously by subscribe(), as rxjs does
    expect(socket.url).toBe('ws://fake');
    expect(ws$.state).toBe('connecting');
    socket.open();
    expect(opens).toEqual([{}]);
    expect(ws$.state).toBe('open');
    expect(socket.sent).toEqual(['"queued"']);
    socket.message('"hello"');
    socket.message('"world"');
    expect(r.values).toEqual(['hello', 'world']);
    ws$.next('now');
    expect(socket.sent).toEqual(['"queued"', '"now"']);
    r.subscription.unsubscribe();
    expect(socket.closeCalls).toEqual([[1000, '']]);
  });

  test('createWebSocket may return such a socket too; protocol and binaryType reach it', () => {
    const ws$ = webSocket<string>({
      url: 'ws://fake',
      protocol: 'chat',
      binaryType: 'arraybuffer',
      createWebSocket: (url, protocols) => new HandlerSocket(url, protocols),
    });
    const r = record(ws$);
    const socket = HandlerSocket.last;
    expect(socket.protocol).toBe('chat');
    expect(socket.binaryType).toBe('arraybuffer');
    socket.open();
    socket.message('"x"');
    expect(r.values).toEqual(['x']);
    r.subscription.unsubscribe();
  });

  test('the server closing cleanly without a code completes (1005); closeObserver gets the event as the socket gave it', () => {
    const closes: unknown[] = [];
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket, closeObserver: { next: (e) => closes.push(e) } });
    const codes: number[] = [];
    ws$.close$.subscribe((e) => codes.push(e.code));
    const r = record(ws$);
    HandlerSocket.last.open();
    const event = { wasClean: true };
    HandlerSocket.last.serverClose(event);
    expect(r.notes).toEqual([{ kind: 'C' }]);
    expect(closes[0]).toBe(event);
    expect(ws$.state).toBe('closed');
    // handler attributes are taken off the socket once it has closed
    expect((HandlerSocket.last as unknown as { onmessage: unknown }).onmessage).toBeNull();
  });

  test('an unclean close errors with WebSocketCloseError (not the event itself, unlike rxjs)', () => {
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket });
    const r = record(ws$);
    HandlerSocket.last.open();
    HandlerSocket.last.serverClose({ wasClean: false, code: 1006 });
    expect(r.notes).toHaveLength(1);
    const error = (r.notes[0] as { error: WebSocketCloseError }).error;
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ code: 1006, wasClean: false, reason: '' });
  });

  test('an error event without a type is still the error event; the close after it ends the connection', () => {
    const errors: unknown[] = [];
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket });
    ws$.error$.subscribe((e) => errors.push(e));
    const r = record(ws$);
    const socket = HandlerSocket.last;
    const event = { message: 'refused' };
    (socket as unknown as { onerror: (e: object) => void }).onerror(event);
    expect(errors).toEqual([event]);
    socket.serverClose({ code: 1006, wasClean: false });
    expect(r.notes[0]).toMatchObject({ kind: 'E', error: { code: 1006, kind: 'error', cause: event } });
  });

  test('a message before the open event is delivered (only a double can do that); a socket abandoned while connecting that opens anyway is closed', () => {
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket });
    const r = record(ws$);
    HandlerSocket.last.message('"early"');
    expect(r.values).toEqual(['early']);
    r.subscription.unsubscribe();
    const socket = HandlerSocket.last;
    expect(socket.closeCalls).toEqual([[]]); // abandons the handshake
    socket.open();
    expect(socket.closeCalls).toEqual([[], [1000, '']]);
  });

  test('a new subscriber after complete()/unsubscribe gets a new socket at once; the old one finishing its close touches nothing', () => {
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket });
    const a = record(ws$);
    const first = HandlerSocket.last;
    first.open();
    ws$.complete();
    expect(first.closeCalls).toEqual([[1000, '']]);
    ws$.next('for the next one');
    const b = record(ws$);
    const second = HandlerSocket.last;
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent).toEqual(['"for the next one"']);
    first.serverClose({ code: 1000, wasClean: true }); // the old one's close arrives late
    expect(a.notes).toEqual([{ kind: 'C' }]);
    expect(b.notes).toEqual([]);
    expect(ws$.state).toBe('open');
    expect(second.closeCalls).toEqual([]);
    b.subscription.unsubscribe();
  });

  test('error({ code }) with a code WHATWG sockets refuse is handed to an open double as is, as rxjs does', () => {
    const closing: unknown[] = [];
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket, closingObserver: { next: (x) => closing.push(x) } });
    record(ws$);
    HandlerSocket.last.open();
    ws$.error({ code: 1337, reason: 'so sad' });
    expect(HandlerSocket.last.closeCalls).toEqual([[1337, 'so sad']]);
    expect(closing).toEqual([undefined]);
    expect(ws$.state).toBe('closing');
  });

  test('a real socket refuses such a code: error() throws its InvalidAccessError and nothing closes', async () => {
    const server = await createTestServer();
    const closing: unknown[] = [];
    const ws$ = webSocket({ url: server.url, closingObserver: { next: (x) => closing.push(x) } });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    expect(() => ws$.error({ code: 1337 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(ws$.state).toBe('open');
    expect(closing).toEqual([]);
    expect(connection.isOpen).toBe(true);
    r.subscription.unsubscribe();
  });

  test('the handshake hook works over handler attributes too: its messages first, then the queue', () => {
    const ws$ = webSocket<string>({
      url: 'ws://fake',
      WebSocketCtor: HandlerSocket,
      handshake: handshake(({ send, messages }) => {
        send('auth');
        return messages.pipe(first((m) => m === 'ok'));
      }),
    });
    ws$.next('queued');
    const r = record(ws$);
    const socket = HandlerSocket.last;
    socket.open();
    expect(socket.sent).toEqual(['"auth"']);
    socket.message('"ok"');
    expect(socket.sent).toEqual(['"auth"', '"queued"']);
    expect(r.values).toEqual(['ok']);
    r.subscription.unsubscribe();
  });

  test('a handshake waiting on a handler-attribute socket that closes: subscribers get the error of that close', () => {
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket, handshake: handshake(({ messages }) => messages.pipe(first())) });
    const r = record(ws$);
    HandlerSocket.last.open();
    HandlerSocket.last.serverClose({ code: 1011, wasClean: true });
    expect(r.notes).toEqual([{ kind: 'E', error: expect.objectContaining({ code: 1011 }) }]);
  });

  test('_socket (rxjs 7\'s private field, read by some code) is the current socket', () => {
    const ws$ = webSocket<string>({ url: 'ws://fake', WebSocketCtor: HandlerSocket });
    expect(ws$._socket).toBeNull();
    const r = record(ws$);
    expect(ws$._socket).toBe(HandlerSocket.last);
    HandlerSocket.last.open();
    HandlerSocket.last.serverClose({ code: 1000, wasClean: true });
    expect(ws$._socket).toBeNull();
    r.subscription.unsubscribe();
  });

  test('a socket rxws cannot use fails the connection at once, naming the option and what is missing', async () => {
    class NoSend {
      readyState = 0;
      close(): void {}
    }
    const viaCtor = record(webSocket({ url: 'ws://fake', WebSocketCtor: NoSend as never }));
    await until(() => viaCtor.notes.length === 1);
    const ctorError = (viaCtor.notes[0] as { error: WebSocketCloseError }).error;
    expect(ctorError).toMatchObject({ code: 1006, wasClean: false });
    expect(String((ctorError.cause as Error).message)).toMatch(/'WebSocketCtor' did not make a socket rxws can use: it has no send\(\)/);

    const viaFactory = record(webSocket({ url: 'ws://fake', createWebSocket: () => Object.freeze({ readyState: 0, send() {}, close() {} }) as never }));
    await until(() => viaFactory.notes.length === 1);
    expect(String(((viaFactory.notes[0] as { error: WebSocketCloseError }).error.cause as Error).message)).toMatch(
      /'createWebSocket' did not make a socket rxws can use: it has no addEventListener\(\)\/removeEventListener\(\), nor settable on\* handlers\./,
    );

    const viaPromise = record(webSocket({ url: 'ws://fake', createWebSocket: async () => null as never }));
    await until(() => viaPromise.notes.length === 1);
    expect(String(((viaPromise.notes[0] as { error: WebSocketCloseError }).error.cause as Error).message)).toMatch(/'createWebSocket' did not make a socket rxws can use: it is null\./);

    const arrow = record(webSocket({ url: 'ws://fake', WebSocketCtor: ((url: string) => new HandlerSocket(url)) as never }));
    await until(() => arrow.notes.length === 1);
    expect(String(((arrow.notes[0] as { error: WebSocketCloseError }).error.cause as Error).message)).toMatch(/'WebSocketCtor' is not a constructor .*'createWebSocket'/);

    expect(() => webSocket({ socket: { readyState: 1, send() {} } as never })).toThrow(/'socket' must be a WebSocket .*, but it has no close\(\)\./);
  });
});

describe('the platform WebSocket is read when each socket is made', () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  afterEach(() => {
    if (saved === undefined) delete (globalThis as { WebSocket?: unknown }).WebSocket;
    else Object.defineProperty(globalThis, 'WebSocket', saved);
    HandlerSocket.made.length = 0;
  });

  test('a test double installed as globalThis.WebSocket after the import (and after webSocket()) is used', () => {
    const ws$ = webSocket<string>('ws://fake');
    (globalThis as { WebSocket?: unknown }).WebSocket = HandlerSocket;
    const r = record(ws$);
    expect(HandlerSocket.made).toHaveLength(1);
    HandlerSocket.last.open();
    HandlerSocket.last.message('"from the double"');
    expect(r.values).toEqual(['from the double']);
    r.subscription.unsubscribe();
  });

  test('a global that is a full WebSocket implementation (ws\'s class, rxws\'s) is not used on Node: rxws\'s own is', async () => {
    const server = await createTestServer();
    for (const Implementation of [WsWebSocket, UndiciWebSocket, WebSocket]) {
      (globalThis as { WebSocket?: unknown }).WebSocket = Implementation;
      const ws$ = webSocket(server.url);
      const r = record(ws$);
      expect(ws$._socket).toBeInstanceOf(WebSocket);
      await server.nextConnection();
      r.subscription.unsubscribe();
    }
  });
});

describe('a clean close without a code (the server called close() with no arguments: 1005)', () => {
  test('subscribers complete, close$ reports 1005 wasClean: true', async () => {
    const server = await createTestServer();
    const ws$ = webSocket(server.url);
    const closes: { code: number; wasClean: boolean }[] = [];
    ws$.close$.subscribe((e) => closes.push({ code: e.code, wasClean: e.wasClean }));
    const r = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    await connection.close();
    await expect(r.done).resolves.toEqual({ kind: 'C' });
    expect(closes).toEqual([{ code: 1005, wasClean: true }]);
  });

  test('reconnect() treats it as 1000: the stream completes, no new connection', async () => {
    const server = await createTestServer();
    const ws$ = webSocket(server.url);
    const r = record(ws$.pipe(reconnect({ initialDelay: 10 })));
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    await connection.close();
    await expect(r.done).resolves.toEqual({ kind: 'C' });
    expect(defaultShouldReconnect(new WebSocketCloseError({ code: 1005, reason: '', wasClean: true }))).toBe(false);
    expect(defaultShouldReconnect(new WebSocketCloseError({ code: 1005, reason: '', wasClean: false }))).toBe(true);
    expect(ws$.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });
});

describe('multiplex, as rxjs code uses it', () => {
  test('control messages of another type than In are sent through the serializer (rxjs declares them () => any)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>(server.url);
    const a = record(ws$.multiplex(() => ({ sub: 'A' }), () => 42, (m) => m.startsWith('A')));
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toEqual({ sub: 'A' });
    connection.send('A1');
    await until(() => a.values.length === 1);
    a.subscription.unsubscribe();
    await expect(connection.nextMessage()).resolves.toBe(42);
  });

  test('when the connection ends, unsubMsg is still called after the subscribers heard (as rxjs), and nothing is sent', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>(server.url);
    const events: string[] = [];
    ws$.multiplex(() => 'sub', () => (events.push('unsub'), 'unsub'), () => true).subscribe({ complete: () => events.push('complete') });
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('sub');
    await connection.close(1000);
    await until(() => events.length === 2);
    expect(events).toEqual(['complete', 'unsub']);
    expect(ws$.queueLength).toBe(0);
  });
});
