// docs/sessions.md's worked example, run for real: a Node producer (acceptSessions() on a test
// server) and a browser consumer (webSocket + resumable + reconnect, in headless Chromium) survive
// a server restart, messages in flight included: each side gets every message once, in order.
import { acceptSessions, memorySessionStore, type Session } from 'rxws/node';
import { SESSION_PROTOCOL } from 'rxws/session';
import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';
import { until } from '../helpers/client.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('sessions.ts');
}, 60_000);
afterAll(async () => browser?.close());

it('a Node producer and a browser consumer survive a server restart without losing or repeating a message', async () => {
  const server = await createTestServer({ protocols: [SESSION_PROTOCOL] });
  const sessions: Session<{ tick: number }, { hello: number }>[] = [];
  const hellos: number[] = [];
  const accepting = acceptSessions<{ tick: number }, { hello: number }>(server.raw.wss, { store: memorySessionStore() }).subscribe((session) => {
    sessions.push(session);
    session.subscribe((m) => hellos.push(m.hello));
  });
  const report = browser.run<{ ticks: number[]; kinds: string[] }>('consume', { url: server.url, count: 10 });
  await until(() => sessions.length === 1 && hellos.length === 1, 15_000);
  const producer = sessions[0]!;
  for (let tick = 1; tick <= 5; tick++) producer.next({ tick });
  // Dropped (no close frame) while ticks are in flight; down for a while; then back.
  const restarted = server.restart({ drop: true, downtime: 300 });
  for (let tick = 6; tick <= 10; tick++) producer.next({ tick }); // while the browser is away
  await restarted;
  const { ticks, kinds } = await report;
  expect(ticks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(kinds).toEqual(['new', 'resumed']);
  await until(() => hellos.length === 2, 15_000);
  expect(hellos).toEqual([1, 2]);
  expect(sessions).toHaveLength(1); // one Session, across the restart
  accepting.unsubscribe();
  producer.close();
}, 60_000);
