import { WebSocket as UndiciWebSocket } from 'undici';
// Nothing is left behind after the last unsubscribe: no listener on the socket, no timer, no
// socket; old sockets' events never reach a new connection.
import { webSocket, type WebSocketLike } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { retry } from 'rxjs';
import { CountingWebSocket, made, record, until } from './helpers.js';

useTestServers();

const activeHandles = (): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
};

test('after the last unsubscribe: socket closed, every listener removed, no timer or TCP handle left', async () => {
  const server = await createTestServer({ json: true });
  const before = activeHandles();
  const ws$ = webSocket<string>({ url: server.url, WebSocketCtor: CountingWebSocket });
  const from = made.length;
  for (let i = 0; i < 10; i++) {
    const a = record(ws$);
    const b = record(ws$);
    const connection = await server.nextConnection();
    ws$.next(`m${i}`);
    await expect(connection.nextMessage()).resolves.toBe(`m${i}`);
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
    await until(() => ws$.state === 'closed');
  }
  const sockets = made.slice(from);
  expect(sockets).toHaveLength(10);
  for (const socket of sockets) {
    expect(socket.readyState).toBe(3);
    expect(socket.attached).toBe(0);
  }
  expect(ws$.observed).toBe(false);
  // The server's side of the last close settles within moments (its close timer); a leaked timer
  // or socket outlives the wait, and the checks after it fail.
  const settled = (): boolean => {
    const now = activeHandles();
    return (now.Timeout ?? 0) <= (before.Timeout ?? 0) && (now.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0);
  };
  await until(settled, 3000).catch(() => undefined);
  const after = activeHandles();
  expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
  expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
});

test('a socket without an event sink (undici here, the platform one in browsers) keeps three listeners while open, none after', async () => {
  const server = await createTestServer();
  const byType = new Map<string, Set<unknown>>();
  const counts = (): Record<string, number> => Object.fromEntries([...byType].map(([type, set]) => [type, set.size]));
  class CountingUndici extends UndiciWebSocket {
    override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
      if (!byType.has(type)) byType.set(type, new Set());
      byType.get(type)!.add(listener);
      super.addEventListener(type, listener as EventListener, options);
    }
    override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
      byType.get(type)?.delete(listener);
      super.removeEventListener(type, listener as EventListener, options);
    }
  }
  const ws$ = webSocket({ url: server.url, WebSocketCtor: CountingUndici as never });
  const r = record(ws$);
  await until(() => ws$.state === 'open');
  expect(counts()).toEqual({ open: 0, message: 1, error: 1, close: 1 });
  server.connections[0]!.drop();
  await r.done;
  expect(counts()).toEqual({ open: 0, message: 0, error: 0, close: 0 });
});

test('an open connection has one listener, the event sink of rxws\'s socket; failed ones none', async () => {
  const server = await createTestServer();
  const ws$ = webSocket({ url: server.url, WebSocketCtor: CountingWebSocket });
  const r = record(ws$);
  await until(() => ws$.state === 'open');
  const socket = made[made.length - 1]!;
  expect(Object.fromEntries(socket.listeners)).toEqual({ sink: 1 }); // no EventTarget listener at all
  server.connections[0]!.drop();
  await r.done;
  expect(socket.attached).toBe(0);

  server.refuseNext(1);
  const failed = record(webSocket({ url: server.url, WebSocketCtor: CountingWebSocket }));
  await failed.done;
  expect(made[made.length - 1]!.attached).toBe(0);
});

test('retry() across many failures leaves one socket at a time and no stale listeners', async () => {
  const server = await createTestServer();
  server.refuseNext(5, 503);
  const ws$ = webSocket({ url: server.url, WebSocketCtor: CountingWebSocket });
  const from = made.length;
  const r = record(ws$.pipe(retry({ count: 10, delay: 1 })));
  await server.nextConnection();
  await until(() => ws$.state === 'open');
  const sockets = made.slice(from);
  expect(sockets).toHaveLength(6);
  expect(sockets.slice(0, 5).every((s) => s.attached === 0 && s.readyState === 3)).toBe(true);
  expect(sockets[5]!.attached).toBe(1); // the event sink
  r.subscription.unsubscribe();
  await until(() => sockets[5]!.readyState === 3);
  expect(sockets[5]!.attached).toBe(0);
});

test("events of an old socket never reach a new connection, even if its removeEventListener doesn't work", () => {
  // A socket that forgets to remove listeners and can still fire events after closing.
  class Leaky extends EventTarget implements WebSocketLike {
    static all: Leaky[] = [];
    readyState = 0;
    bufferedAmount = 0;
    binaryType = 'blob';
    sent: unknown[] = [];
    constructor() {
      super();
      Leaky.all.push(this);
    }
    override removeEventListener(): void {}
    send(data: unknown): void {
      this.sent.push(data);
    }
    close(): void {
      this.readyState = 3;
      this.dispatchEvent(Object.assign(new Event('close'), { code: 1000, reason: '', wasClean: true }));
    }
    open(): void {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    }
    message(data: string): void {
      this.dispatchEvent(new MessageEvent('message', { data }));
    }
  }
  const ws$ = webSocket<string>({ url: 'ws://leaky/', createWebSocket: () => new Leaky(), deserializer: (e) => String(e.data) });
  const closes: number[] = [];
  ws$.close$.subscribe((e) => closes.push(e.code));
  const a = record(ws$);
  Leaky.all[0]!.open();
  a.subscription.unsubscribe(); // closes the first socket
  const b = record(ws$);
  const [old, fresh] = Leaky.all;
  fresh!.open();
  old!.message('stale');
  old!.open();
  old!.dispatchEvent(Object.assign(new Event('close'), { code: 1011, reason: '', wasClean: true }));
  fresh!.message('fresh');
  expect(b.values).toEqual(['fresh']);
  expect(b.notes).toEqual([{ kind: 'N', value: 'fresh' }]);
  expect(ws$.state).toBe('open');
  expect(closes).toEqual([1000]);
  b.subscription.unsubscribe();
});
