// logLifecycle() (rxws/observe) in Chromium, against a real server: the same lifecycle events as
// on Node (connect, open, close with who closed it, reconnect, a new id for the next connection).
import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('observe.ts');
}, 60_000);
afterAll(async () => browser?.close());

it('logLifecycle() gives connect, open, close, reconnect and the next connection a new id', async () => {
  const server = await createTestServer();
  server.on('please restart').close(1012, 'restart');
  const events = await browser.run<Array<Record<string, unknown>>>('lifecycle', { url: server.url });
  expect(events.map((e) => e['type'])).toEqual(['connect', 'open', 'close', 'reconnect', 'connect', 'open', 'close']);
  const [first, second] = events.filter((e) => e['type'] === 'connect');
  expect(first).toEqual({ type: 'connect', id: expect.any(Number), url: server.url });
  expect(second!['id']).not.toBe(first!['id']);
  expect(events[1]).toEqual({ type: 'open', id: first!['id'], url: server.url, protocol: '', extensions: expect.any(String), handshakeMs: expect.any(Number) });
  expect(events[2]).toEqual({ type: 'close', id: first!['id'], url: server.url, code: 1012, reason: 'restart', wasClean: true, by: 'server' });
  expect(events[3]).toEqual({ type: 'reconnect', id: first!['id'], url: server.url, attempt: 1, delay: expect.any(Number), reason: 'backoff', cause: 'WebSocketCloseError' });
  expect(events[6]).toMatchObject({ type: 'close', id: second!['id'], code: 1000, by: 'client' });
});
