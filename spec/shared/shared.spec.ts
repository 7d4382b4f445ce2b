// rxws/shared outside a browser (Node has BroadcastChannel but no Web Locks): the config checks,
// and the fallback to a plain webSocket() against a real server. The sharing itself is proven in
// headless Chromium (spec/browser/shared.browser.spec.ts).
import { sharedWebSocket } from 'rxws/shared';
import { sharedSession } from 'rxws/shared/session';
import { resumable, SESSION_PROTOCOL } from 'rxws/session';
import { acceptSessions, memorySessionStore, type Session } from 'rxws/node';
import { createTestServer, useTestServers } from 'rxws/testing';
import { until } from '../helpers/client.js';

useTestServers();

// Node 20 has no `navigator`; a newer Node with `navigator.locks` loses it for these tests.
const scope = globalThis as { navigator?: unknown };
const hadNavigator = Object.getOwnPropertyDescriptor(scope, 'navigator');
beforeAll(() => Object.defineProperty(scope, 'navigator', { value: {}, configurable: true, writable: true }));
afterAll(() => {
  if (hadNavigator) Object.defineProperty(scope, 'navigator', hadNavigator);
  else delete scope.navigator;
});

it('rejects a config that cannot name a shared connection', () => {
  expect(() => sharedWebSocket(undefined as never)).toThrow(/takes a config/);
  expect(() => sharedWebSocket({ url: () => 'ws://x', name: 'a' } as never)).toThrow(/`url` must be a string or URL/);
  expect(() => sharedWebSocket({ url: 'ws://127.0.0.1:1', name: '' })).toThrow(/`name` must be a non-empty string/);
  // A session is what resumable() makes, or sharedSession(resumable()).
  expect(() => sharedWebSocket({ url: 'ws://127.0.0.1:1', name: 'a', session: {} as never })).toThrow(/`session` must be what resumable\(\) makes/);
  expect(() => sharedSession({} as never)).toThrow(/takes what resumable\(\)/);
});

it.each([
  ['resumable()', () => resumable()],
  ['sharedSession(resumable())', () => sharedSession(resumable())],
])('alone, `session: %s` is its own socket\'s session', async (_, makeSession) => {
  const server = await createTestServer({ protocols: [SESSION_PROTOCOL] });
  const sessions: Array<Session<{ n: number }, { n: number }>> = [];
  const got: number[] = [];
  const accepting = acceptSessions<{ n: number }, { n: number }>(server.raw.wss, { store: memorySessionStore() }).subscribe((session) => {
    sessions.push(session);
    session.subscribe((m) => got.push(m.n));
  });
  const socket = sharedWebSocket<{ n: number }>({ url: server.url, name: 'node-session', session: makeSession() });
  expect(socket.role).toBe('alone');
  const kinds: string[] = [];
  socket.session$.subscribe((event) => kinds.push(event.kind));
  const received: number[] = [];
  socket.subscribe((m) => received.push(m.n));
  socket.next({ n: 1 });
  await until(() => sessions.length === 1 && got.length === 1, 5000, 'the session and the message');
  sessions[0]!.next({ n: 2 });
  await until(() => received.length === 1, 5000, "the server's message");
  expect({ kinds, got, received }).toEqual({ kinds: ['new'], got: [1], received: [2] });
  socket.close();
  accepting.unsubscribe();
});

it('falls back to its own webSocket() where Web Locks are missing: role "alone", the same behaviour', async () => {
  const server = await createTestServer({ json: true });
  const socket = sharedWebSocket<{ n: number }>({ url: server.url, name: 'node' });
  expect(socket.role).toBe('alone');
  const received: number[] = [];
  const states: string[] = [];
  socket.state$.subscribe((state) => states.push(state));
  socket.subscribe((m) => received.push(m.n));
  socket.next({ n: 1 });
  await expect(server.nextMessage()).resolves.toEqual({ n: 1 });
  server.send({ n: 2 });
  await until(() => received.length === 1, 5000, 'the message');
  expect(received).toEqual([2]);
  const connection = server.connections[0]!;
  socket.close(4001, 'bye');
  await expect(connection.closed).resolves.toMatchObject({ code: 4001, reason: 'bye' });
  await until(() => states.at(-1) === 'closed', 5000, 'closed');
  expect(states).toEqual(['idle', 'connecting', 'open', 'closing', 'closed']);
});

it("alone, the WebSocketSubject members are its own socket's: open$, close$, message$, decodeError$, queueLength, clearQueue(); `worker` is not called", async () => {
  const server = await createTestServer({ json: true });
  const worker = jest.fn();
  const socket = sharedWebSocket<{ n: number }>({ url: server.url, name: 'node-members', worker });
  const seen: string[] = [];
  socket.open$.subscribe((event) => seen.push(event.type));
  socket.close$.subscribe((event) => seen.push(`close:${event.code}`));
  socket.message$.subscribe((event) => seen.push(`message:${String(event.data)}`));
  socket.decodeError$.subscribe(({ event }) => seen.push(`decodeError:${String(event.data)}`));
  socket.next({ n: 1 });
  socket.next({ n: 2 });
  expect(socket.queueLength).toBe(2); // nobody subscribed: no connection yet
  expect(socket.clearQueue()).toEqual(['{"n":1}', '{"n":2}']);
  expect(socket.queueLength).toBe(0);
  const received: number[] = [];
  socket.subscribe((m) => received.push(m.n));
  const connection = await server.nextConnection();
  connection.raw.send('not json');
  server.send({ n: 3 });
  await until(() => received.length === 1, 5000, 'the message');
  socket.close();
  await until(() => seen.at(-1) === 'close:1000', 5000, 'the close');
  expect(seen).toEqual(['open', 'message:not json', 'decodeError:not json', 'message:{"n":3}', 'close:1000']);
  expect(server.messages).toEqual([]);
  expect(worker).not.toHaveBeenCalled();
});
