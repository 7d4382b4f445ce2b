// Server side: the same subject wraps a connection accepted by a ws WebSocketServer
// (webSocket({ socket: wrapWebSocket(ws, request) })). The socket is already OPEN.
import { webSocket, WebSocket, WebSocketCloseError, type WebSocketSubject, type ConnectionState } from 'rxws';
import { wrapWebSocket } from 'rxws/node';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import { record, until } from './helpers.js';

useTestServers();

async function serve(): Promise<{ server: TestServer; subjects: WebSocketSubject<unknown>[]; states: ConnectionState[][] }> {
  const server = await createTestServer();
  const subjects: WebSocketSubject<unknown>[] = [];
  const states: ConnectionState[][] = [];
  server.onConnection((connection) => {
    const subject = webSocket<unknown>({ socket: wrapWebSocket(connection.raw) });
    const seen: ConnectionState[] = [];
    subject.state$.subscribe((s) => seen.push(s));
    subjects.push(subject);
    states.push(seen);
  });
  return { server, subjects, states };
}

function client(url: string): { socket: WebSocket; received: unknown[]; closed: Promise<CloseEvent> } {
  const socket = new WebSocket(url);
  const received: unknown[] = [];
  socket.onmessage = (e) => received.push(JSON.parse(e.data as string));
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', (e) => resolve(e as CloseEvent)));
  return { socket, received, closed };
}

test('an accepted connection as a subject: open from the start, next() sends, subscribe() receives', async () => {
  const { server, subjects, states } = await serve();
  const c = client(server.url);
  await until(() => subjects.length === 1);
  const subject = subjects[0]!;
  expect(subject.state).toBe('open');
  expect(states[0]).toEqual(['open']);
  const echo = subject.subscribe((m) => subject.next({ echo: m }));
  await until(() => c.socket.readyState === WebSocket.OPEN);
  c.socket.send(JSON.stringify({ hi: 1 }));
  await until(() => c.received.length === 1);
  expect(c.received).toEqual([{ echo: { hi: 1 } }]);
  echo.unsubscribe();
  const close = await c.closed;
  expect(close.code).toBe(1000); // the last unsubscribe closes with 1000, as on the client
});

test('message$ sees the client\'s messages without a subscriber; the client\'s close ends the subject', async () => {
  const { server, subjects } = await serve();
  const c = client(server.url);
  await until(() => subjects.length === 1);
  const subject = subjects[0]!;
  const raw: unknown[] = [];
  subject.message$.subscribe((e) => raw.push(e.data));
  await until(() => c.socket.readyState === WebSocket.OPEN);
  c.socket.send('"passive"');
  await until(() => raw.length === 1);
  const r = record(subject);
  c.socket.close(4000, 'client leaves');
  await expect(r.done).resolves.toMatchObject({ kind: 'E', error: { code: 4000, reason: 'client leaves' } });

  const second = await serve();
  const d = client(second.server.url);
  await until(() => second.subjects.length === 1);
  const s2 = record(second.subjects[0]!);
  await until(() => d.socket.readyState === WebSocket.OPEN);
  d.socket.close(1000);
  await expect(s2.done).resolves.toEqual({ kind: 'C' });
  expect(second.states[0]).toEqual(['open', 'closed']);
});

test('after that connection has closed, a new subscriber gets a clear TypeError (it cannot reconnect)', async () => {
  const { server, subjects } = await serve();
  const c = client(server.url);
  await until(() => subjects.length === 1);
  const subject = subjects[0]!;
  subject.close(4001, 'done');
  await expect(c.closed).resolves.toMatchObject({ code: 4001, reason: 'done' });
  await until(() => subject.state === 'closed');
  const r = record(subject);
  const done = await r.done;
  expect(done.kind).toBe('E');
  const error = (done as { error: Error }).error;
  expect(error).toBeInstanceOf(TypeError);
  expect(error).not.toBeInstanceOf(WebSocketCloseError);
  expect(error.message).toMatch(/cannot reconnect/);
});

test("'socket' cannot be combined with url, ctor or factory options", () => {
  const socket = new WebSocket('ws://127.0.0.1:1');
  try {
    expect(() => webSocket({ socket, url: 'ws://x' })).toThrow(/'socket' cannot be combined with 'url'/);
    expect(() => webSocket({ socket: {} as never })).toThrow(TypeError);
  } finally {
    socket.close();
  }
});

test("binaryType 'nodebuffer' on a server-side subject delivers Buffers", async () => {
  const server = await createTestServer();
  const subjects: WebSocketSubject<unknown>[] = [];
  server.onConnection((connection) => {
    subjects.push(webSocket<unknown>({ socket: wrapWebSocket(connection.raw), binaryType: 'nodebuffer', deserializer: (event) => event.data }));
  });
  const c = client(server.url);
  await until(() => subjects.length === 1);
  const received: unknown[] = [];
  const subscription = subjects[0]!.subscribe({ next: (data) => received.push(data), error: () => undefined }) // (a failed check's teardown closes with 1001);
  await until(() => c.socket.readyState === WebSocket.OPEN);
  c.socket.send(new Uint8Array([4, 5, 6]));
  await until(() => received.length === 1, 5000, 'the binary message');
  expect(Buffer.isBuffer(received[0])).toBe(true);
  expect([...(received[0] as Buffer)]).toEqual([4, 5, 6]);
  subscription.unsubscribe();
  c.socket.close();
  await c.closed;
});
