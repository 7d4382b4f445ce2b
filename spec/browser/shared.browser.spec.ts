// rxws/shared in headless Chromium: several pages (tabs) of one browser context share one socket
// to a real test server; the leader page goes away and another takes over.
import type { TestServer } from 'rxws/testing';
import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';
import { until } from '../helpers/client.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('shared.ts');
}, 60_000);
afterAll(async () => browser?.close());

type Tab = { run<T = unknown>(name: string, input?: unknown): Promise<T>; page: { close(): Promise<void> } };
interface Report {
  role: string;
  roles: string[];
  state: string;
  states: string[];
  received: Array<Record<string, unknown>>;
  topics: Record<string, Array<Record<string, unknown>>>;
}

/** Polls every tab's report until `check` holds for all of them. */
async function untilTabs(tabs: Tab[], check: (report: Report, index: number) => boolean, what: string, timeout = 15_000): Promise<Report[]> {
  let reports: Report[] = [];
  const start = Date.now();
  for (;;) {
    reports = await Promise.all(tabs.map((tab) => tab.run<Report>('report')));
    if (reports.every(check)) return reports;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(reports)}\n${browser.console.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Three tabs of a fresh name: the first leads, the two others follow; all subscribed, the socket open. */
async function threeTabs(server: TestServer, name: string): Promise<Tab[]> {
  const tabs: Tab[] = [await browser.newPage(), await browser.newPage(), await browser.newPage()];
  await tabs[0]!.run('start', { url: server.url, name });
  await untilTabs([tabs[0]!], (r) => r.role === 'leader' && r.state === 'open', 'the first tab to lead');
  await tabs[1]!.run('start', { url: server.url, name });
  await tabs[2]!.run('start', { url: server.url, name });
  await untilTabs(tabs, (r, i) => r.role === (i === 0 ? 'leader' : 'follower') && r.state === 'open', 'followers');
  return tabs;
}

it('three tabs share one socket: every tab gets every message once, each next() is sent once in its tab order', async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'three');
  expect(server.connections).toHaveLength(1);
  for (let n = 1; n <= 5; n++) server.send({ n });
  const reports = await untilTabs(tabs, (r) => r.received.length >= 5, 'five messages in every tab');
  for (const report of reports) expect(report.received).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  await Promise.all(tabs.map((tab, t) => tab.run('send', { values: [1, 2, 3, 4].map((i) => ({ tab: t, i })) })));
  await until(() => server.messages.length >= 12, 15_000, 'twelve messages at the server');
  expect(server.messages).toHaveLength(12);
  for (let t = 0; t < 3; t++) {
    expect(server.messages.filter((m) => (m as { tab: number }).tab === t)).toEqual([1, 2, 3, 4].map((i) => ({ tab: t, i })));
  }
  expect(server.connections).toHaveLength(1);
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

it('the leader tab closes: another leads, the server sees one new connection, messages sent meanwhile all arrive in order', async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'hand-over');
  const [leader, second, third] = tabs as [Tab, Tab, Tab];
  // Sent right before and while the leader goes away: what the old leader did not hand to its
  // socket is re-sent to whichever tab leads next.
  await Promise.all([
    second.run('send', { values: [{ tab: 2, i: 1 }] }),
    third.run('send', { values: [{ tab: 3, i: 1 }] }),
    leader.page.close(),
    second.run('send', { values: [{ tab: 2, i: 2 }] }),
    third.run('send', { values: [{ tab: 3, i: 2 }] }),
  ]);
  const reports = await untilTabs([second, third], (r) => r.state === 'open' && r.role !== 'electing', 'a new leader');
  const leaders = async () => (await Promise.all([second, third].map((tab) => tab.run<Report>('report')))).filter((r) => r.role === 'leader').length;
  for (let n = await leaders(); n !== 1; n = await leaders()) {
    if (reports.length === 0) throw new Error('unreachable');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await until(() => server.messages.length >= 4, 15_000, 'the four messages at the server');
  expect(server.connections).toHaveLength(2); // the first (gone with its tab) and one new
  expect(server.openConnections).toHaveLength(1);
  for (const t of [2, 3]) expect(server.messages.filter((m) => (m as { tab: number }).tab === t)).toEqual([{ tab: t, i: 1 }, { tab: t, i: 2 }]);
  expect(server.messages).toHaveLength(4);
  server.send({ after: true });
  const after = await untilTabs([second, third], (r) => r.received.some((m) => m['after'] === true), 'a message after the hand-over');
  for (const report of after) expect(report.received.filter((m) => m['after'] === true)).toHaveLength(1);
  await Promise.all([second.page.close(), third.page.close()]);
}, 60_000);

it('close() in every tab closes the socket with 1000; in one tab only, it stays open', async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'close');
  const connection = server.connections[0]!;
  await tabs[0]!.run('close');
  await tabs[1]!.run('close');
  server.send({ still: 'open' });
  await untilTabs([tabs[2]!], (r) => r.received.some((m) => m['still'] === 'open'), 'the last tab still receiving');
  expect(connection.isOpen).toBe(true);
  await tabs[2]!.run('close');
  const closed = await connection.closed;
  expect(closed.code).toBe(1000);
  await untilTabs(tabs, (r) => r.state === 'closed', 'every tab to see the close');
  expect(server.connections).toHaveLength(1);
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);
