import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';
import { until } from '../helpers/client.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('resilience.ts');
}, 60_000);
afterAll(async () => browser?.close());

describe.each(['page', 'worker'] as const)('reconnect, heartbeat and topics in Chromium (%s)', (where) => {
  const run = <T>(name: string, input: unknown) => (where === 'page' ? browser.run<T>(name, input) : browser.runInWorker<T>(name, input));

  it('reconnects after the server restarts, and sends what was queued meanwhile on the new connection', async () => {
    const server = await createTestServer({ json: true });
    server.on(() => true).reply((m: { n: number }) => {
      if (m.n === 1) setTimeout(() => void server.restart({ downtime: 100 }), 20);
      return { echo: m.n };
    });
    const report = await run<{ got: number[]; states: string[]; causes: string[] }>('restart', { url: server.url });
    expect(report.got).toEqual([1, 2]);
    expect(report.states).toEqual(expect.arrayContaining(['connecting', 'open', 'reconnecting']));
    expect(report.causes[0]).toBe('close:1012');
    expect(server.connections.length).toBeGreaterThanOrEqual(2);
    expect(server.connections[0]!.messages).toEqual([{ n: 1 }]);
    expect(server.connections.at(-1)!.messages).toEqual([{ n: 2 }]);
  });

  it('finds a stalled server with an application-level heartbeat and reconnects', async () => {
    const server = await createTestServer({ json: true });
    let pings = 0;
    server.on({ type: 'ping' }).reply((_m, connection) => {
      pings++;
      if (connection.id === 1 && pings === 2) connection.stall(); // half-open from now on
      return { type: 'pong' };
    });
    const report = await run<{ causes: string[]; got: string[]; opens: number }>('heartbeat', { url: server.url });
    expect(report.causes[0]).toBe('heartbeat');
    expect(report.opens).toBeGreaterThanOrEqual(2);
    expect(report.got).not.toContain('pong'); // pongs are the heartbeat's, not the app's
    expect(server.connections[0]!.messages.every((m) => (m as { type: string }).type === 'ping')).toBe(true);
  });

  it('resubscribes every live topic once after a restart, before the queued message', async () => {
    const server = await createTestServer({ json: true });
    server.on((m: { type?: string }) => m?.type === 'sub').reply((m: { topic: string }, connection) => {
      connection.send({ topic: m.topic, data: `hello ${m.topic} #${connection.id}` });
      if (connection.id === 1 && m.topic === 'b') setTimeout(() => void server.restart({ downtime: 100 }), 30);
      return undefined;
    });
    const report = await run<{ got: Record<string, string[]> }>('topics', { url: server.url });
    expect(report.got.a!.slice(0, 2)).toEqual(['hello a #1', expect.stringMatching(/^hello a #\d+$/)]);
    const first = server.connections[0]!.messages as { type: string; topic?: string }[];
    expect(first.filter((m) => m.type === 'sub').map((m) => m.topic)).toEqual(['a', 'b']); // one sub per topic, not per subscriber
    const second = server.connections.at(-1)!;
    await until(() => second.messages.filter((m) => (m as { type: string }).type === 'unsub').length === 2, 10_000, 'both unsubs');
    const types = (second.messages as { type: string; topic?: string }[]).map((m) => `${m.type}${m.topic ? ':' + m.topic : ''}`);
    expect(types.slice(0, 3)).toEqual(['sub:a', 'sub:b', 'say']);
    expect(types.filter((t) => t.startsWith('unsub')).sort()).toEqual(['unsub:a', 'unsub:b']);
  });

  it('makes no attempt while the browser is offline, and reconnects when it is online again', async () => {
    const server = await createTestServer();
    const pending = run<{ opens: number; marks: string[]; attemptsWhileOffline: number; sawEvents: boolean }>('offline', { url: server.url });
    const first = await server.nextConnection({ timeout: 5000 });
    const context = browser.page.context();
    await context.setOffline(true);
    first.drop();
    // A quiet window is the behaviour under test (no attempt while offline): a dozen backoff
    // periods. The page's own record (attemptsWhileOffline) is the check that cannot miss one.
    await new Promise((r) => setTimeout(r, 400));
    const connectionsWhileOffline = server.connections.length;
    await context.setOffline(false);
    const report = await pending;
    // Chromium's workers see navigator.onLine change but get no online/offline events: there the
    // policy notices by looking again (see reconnect.md); the page gets both events.
    if (where === 'page') {
      expect(report.sawEvents).toBe(true);
      expect(report.attemptsWhileOffline).toBe(0);
    }
    expect(connectionsWhileOffline).toBe(1);
    expect(report.opens).toBe(2);
  });

  it('retries at once on an online event instead of waiting out the backoff', async () => {
    const server = await createTestServer();
    server.onConnection((connection) => {
      if (connection.id === 1) setTimeout(() => connection.drop(), 50);
    });
    const report = await run<{ opens: number; tookMs: number; states: string[] }>('online', { url: server.url });
    expect(report.opens).toBe(2);
    expect(report.tookMs).toBeLessThan(10_000); // at once: the backoff would be 60 s (generous for a loaded machine)
    expect(report.states).toContain('reconnecting');
  });
});
