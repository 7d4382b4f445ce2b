// Soak: 500 reconnect cycles (the server drops every connection) leave no listener, timer or
// socket behind, and never more than one socket at a time.
import { heartbeat, webSocket, reconnect } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { CountingWebSocket, made, until } from './helpers.js';
import { untilSteady } from '../helpers/client.js';

useTestServers();

const handles = (): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
};

test('500 reconnect cycles: no listener, timer or socket left behind', async () => {
  const server = await createTestServer();
  // Counted once the new server's handles are steady (a transient one counted here would hide a leak).
  await untilSteady(() => [handles().Timeout, handles().TCPSocketWrap, handles().TCPServerWrap], 50, 5000, 'steady handles');
  const before = handles();
  const ws$ = webSocket<string>({ url: server.url, WebSocketCtor: CountingWebSocket, heartbeat: heartbeat({ interval: 10_000 }) });
  const from = made.length;
  const cycles = 500;
  let opens = 0;
  let maxLive = 0;
  const opened = ws$.open$.subscribe(() => {
    opens++;
    maxLive = Math.max(maxLive, made.slice(from).filter((s) => s.readyState !== 3).length);
  });
  const sub = ws$.pipe(reconnect({ initialDelay: 1, maxDelay: 2, resetAfter: 60_000 })).subscribe();
  for (let i = 0; i < cycles; i++) {
    const connection = await server.nextConnection({ timeout: 3000 });
    await until(() => ws$.state === 'open', 3000);
    connection.drop();
  }
  await server.nextConnection({ timeout: 3000 });
  await until(() => ws$.state === 'open', 3000);
  sub.unsubscribe();
  opened.unsubscribe();
  await until(() => ws$.state === 'closed' && server.openConnections.length === 0, 3000);
  const sockets = made.slice(from);
  expect(opens).toBe(cycles + 1);
  expect(sockets).toHaveLength(cycles + 1);
  expect(maxLive).toBe(1);
  expect(sockets.every((s) => s.readyState === 3 && s.attached === 0)).toBe(true);
  expect(ws$.observed).toBe(false);
  // The last close settles within moments (a fixed short delay flaked on a loaded machine); a
  // leaked timer or socket would still be there after the wait.
  const settled = () => {
    const after = handles();
    return (after.Timeout ?? 0) <= (before.Timeout ?? 0) && (after.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0);
  };
  await until(settled, 3000).catch(() => undefined);
  const after = handles();
  expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
  expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
}, 60_000);
