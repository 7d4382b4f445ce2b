// Node: rxws's own WebSocket by default (no "WebSocket is not defined"), Node options, a
// createWebSocket factory (sync or async), and url providers read again for each connection.
import { webSocket, WebSocket, WebSocketCloseError, type WebSocketLike } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { WebSocket as WsWebSocket } from 'ws';
import { retry } from 'rxjs';
import { delay, record, until } from './helpers.js';

useTestServers();

let unhandled: unknown[];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await delay(10); // a quiet window: a rejection left unhandled is reported within it (after the microtasks)
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

test('the default constructor is rxws\'s WebSocket; no global WebSocket is needed', async () => {
  const server = await createTestServer();
  const global = globalThis as { WebSocket?: unknown };
  const saved = global.WebSocket;
  delete global.WebSocket;
  try {
    const ws$ = webSocket(server.url);
    const opened: Event[] = [];
    ws$.open$.subscribe((e) => opened.push(e));
    const r = record(ws$);
    await server.nextConnection();
    await until(() => opened.length === 1);
    expect(opened[0]!.target).toBeInstanceOf(WebSocket);
    r.subscription.unsubscribe();
  } finally {
    if (saved !== undefined) global.WebSocket = saved;
  }
});

test('options (headers, handshakeTimeout...) reach rxws\'s WebSocket as its third argument', async () => {
  const server = await createTestServer();
  const ws$ = webSocket({ url: server.url, protocol: 'p1', options: { headers: { authorization: 'Bearer abc' }, handshakeTimeout: 5000 } });
  const r = record(ws$);
  const connection = await server.nextConnection();
  expect(connection.request.headers.authorization).toBe('Bearer abc');
  expect(connection.request.protocols).toEqual(['p1']);
  r.subscription.unsubscribe();

  const noProtocol = record(webSocket({ url: server.url, options: { headers: { 'x-a': '1' } } }));
  expect((await server.nextConnection()).request.headers['x-a']).toBe('1');
  noProtocol.subscription.unsubscribe();
});

test('WebSocketCtor may be ws\'s own WebSocket class', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>({ url: server.url, WebSocketCtor: WsWebSocket as never });
  const r = record(ws$);
  const connection = await server.nextConnection();
  ws$.next('via ws');
  await expect(connection.nextMessage()).resolves.toBe('via ws');
  connection.send('back');
  await until(() => r.values.length === 1);
  r.subscription.unsubscribe();
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('createWebSocket(url, protocols) makes each socket, sync or async', async () => {
  const server = await createTestServer({ json: true });
  const calls: unknown[][] = [];
  const sync$ = webSocket<string>({
    url: server.url,
    protocol: ['a'],
    createWebSocket: (url, protocols) => {
      calls.push([url, protocols]);
      return new WebSocket(url, protocols, { headers: { 'x-factory': 'sync' } });
    },
  });
  const a = record(sync$);
  const c1 = await server.nextConnection();
  expect(c1.request.headers['x-factory']).toBe('sync');
  expect(calls).toEqual([[server.url, ['a']]]);
  a.subscription.unsubscribe();

  const async$ = webSocket<string>({
    url: server.url,
    createWebSocket: async (url) => {
      await delay(10);
      return new WebSocket(url, undefined, { headers: { 'x-factory': 'async' } });
    },
  });
  const b = record(async$);
  async$.next('queued while the factory runs');
  const c2 = await server.nextConnection();
  expect(c2.request.headers['x-factory']).toBe('async');
  await expect(c2.nextMessage()).resolves.toBe('queued while the factory runs');
  b.subscription.unsubscribe();
});

test('a factory may hand over a socket that is already open', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>({
    url: server.url,
    createWebSocket: (url) =>
      new Promise<WebSocketLike>((resolve) => {
        const socket = new WebSocket(url);
        socket.onopen = () => resolve(socket);
      }),
  });
  const opens: Event[] = [];
  ws$.open$.subscribe((e) => opens.push(e));
  ws$.next('hi');
  const r = record(ws$);
  const connection = await server.nextConnection();
  await expect(connection.nextMessage()).resolves.toBe('hi');
  expect(opens).toHaveLength(1);
  expect(ws$.state).toBe('open');
  r.subscription.unsubscribe();
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('url may be a function, sync or async, read again for each connection (token refresh)', async () => {
  const server = await createTestServer();
  let token = 0;
  const ws$ = webSocket({ url: async () => `${server.url}/live?token=${++token}` });
  const r = record(ws$.pipe(retry({ count: 2, delay: 5 })));
  const c1 = await server.nextConnection();
  expect(c1.request.query.get('token')).toBe('1');
  c1.drop();
  const c2 = await server.nextConnection();
  expect(c2.request.query.get('token')).toBe('2');
  expect(c2.request.path).toBe('/live');
  r.subscription.unsubscribe();

  const sync$ = webSocket({ url: () => new URL(`${server.url}/sync`) });
  const s = record(sync$);
  expect((await server.nextConnection()).request.path).toBe('/sync');
  s.subscription.unsubscribe();
});

test.each([
  ['a rejected url promise', { url: () => Promise.reject(new Error('no token')) }, 'no token'],
  ['a throwing url function', { url: () => { throw new Error('no token'); } }, 'no token'],
  ['a rejected factory promise', { url: 'ws://127.0.0.1:1', createWebSocket: () => Promise.reject(new Error('factory failed')) }, 'factory failed'],
  ['a throwing factory', { url: 'ws://127.0.0.1:1', createWebSocket: () => { throw new Error('factory failed'); } }, 'factory failed'],
  ['a bad URL', { url: 'http://[bad' }, 'is invalid'],
  ['a url function returning nothing', { url: () => undefined as never }, 'not a string or URL'],
  ['a factory returning a non-socket', { url: 'ws://127.0.0.1:1', createWebSocket: () => ({}) as never }, "'createWebSocket' did not make a socket rxws can use: it has no numeric readyState, no send(), no close()"],
])('%s becomes a connection error (WebSocketCloseError 1006, cause attached), never an unhandled rejection', async (_name, config, message) => {
  const ws$ = webSocket(config);
  const states: string[] = [];
  const errors: Event[] = [];
  const closes: CloseEvent[] = [];
  ws$.state$.subscribe((s) => states.push(s));
  ws$.error$.subscribe((e) => errors.push(e));
  ws$.close$.subscribe((e) => closes.push(e));
  const r = record(ws$);
  expect(r.notes).toEqual([]); // reported asynchronously, as a socket would
  const done = await r.done;
  expect(done.kind).toBe('E');
  const error = (done as { error: WebSocketCloseError }).error;
  expect(error).toBeInstanceOf(WebSocketCloseError);
  expect(error).toMatchObject({ code: 1006, wasClean: false });
  expect(error.cause).toHaveProperty('message');
  expect(error.message).toContain(message);
  expect(states).toEqual(['idle', 'connecting', 'closed']);
  expect(errors).toHaveLength(1);
  expect(closes.map((c) => [c.code, c.wasClean])).toEqual([[1006, false]]);
});

test('unsubscribing while an async url or factory is pending leaves no socket behind', async () => {
  const server = await createTestServer();
  let release!: () => void;
  const made: WebSocket[] = [];
  const ws$ = webSocket({
    url: () => new Promise<string>((resolve) => (release = () => resolve(server.url))),
    createWebSocket: (url) => {
      const s = new WebSocket(url);
      made.push(s);
      return s;
    },
  });
  const closes: CloseEvent[] = [];
  ws$.close$.subscribe((e) => closes.push(e));
  const r = record(ws$);
  r.subscription.unsubscribe();
  expect(ws$.state).toBe('closed');
  expect(closes.map((c) => c.code)).toEqual([1006]);
  release();
  await delay(50); // a quiet window is the behaviour under test: the url resolving (a microtask) makes no socket
  expect(made).toHaveLength(0);
  expect(server.handshakes).toHaveLength(0);

  let resolveSocket!: (s: WebSocket) => void;
  const slow$ = webSocket({ url: server.url, createWebSocket: () => new Promise<WebSocket>((resolve) => (resolveSocket = resolve)) });
  const s = record(slow$);
  await until(() => resolveSocket !== undefined, 5000, 'the factory to be called');
  s.subscription.unsubscribe();
  const late = new WebSocket(server.url);
  resolveSocket(late);
  await until(() => late.readyState === WebSocket.CLOSED);
});

test("binaryType 'nodebuffer' reaches a socket a createWebSocket factory made (the Node option, not the attribute)", async () => {
  const server = await createTestServer();
  const binary$ = webSocket<unknown, unknown>({
    url: server.url,
    createWebSocket: (url, protocols) => new WebSocket(url, protocols),
    binaryType: 'nodebuffer',
    deserializer: (event) => event.data,
  });
  const received: unknown[] = [];
  const subscription = binary$.subscribe({ next: (data) => received.push(data), error: () => undefined }) // (a failed check's teardown closes with 1001);
  const connection = await server.nextConnection();
  connection.send(new Uint8Array([1, 2, 3]));
  await until(() => received.length === 1, 5000, 'the binary message');
  expect(Buffer.isBuffer(received[0])).toBe(true);
  expect([...(received[0] as Buffer)]).toEqual([1, 2, 3]);
  subscription.unsubscribe();
});
