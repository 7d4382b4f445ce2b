// rxws/shared in headless Chromium: several pages (tabs) of one browser context share one socket
// to a real test server; the leader page goes away and another takes over.
import type { TestServer } from 'rxws/testing';
import { createTestServer, useTestServers } from 'rxws/testing';
import { acceptSessions, memorySessionStore, type Session, type SessionState } from 'rxws/node';
import { SESSION_PROTOCOL } from 'rxws/session';
import { openBrowser, type BrowserSession } from './harness.js';
import { until } from '../helpers/client.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('shared.ts', { workers: ['shared-worker.ts'] });
}, 60_000);
afterAll(async () => browser?.close());

type Tab = { run<T = unknown>(name: string, input?: unknown): Promise<T>; page: import('playwright-core').Page };
interface Report {
  role: string;
  roles: string[];
  state: string;
  states: string[];
  received: Array<Record<string, unknown>>;
  topics: Record<string, Array<Record<string, unknown>>>;
  events: string[];
  messages: unknown[];
  decodeErrors: Array<{ data: unknown; error: boolean }>;
  queueLength: number;
  sessionEvents: Array<{ kind: string; id: string; unacknowledged?: unknown[] }>;
  sent: number | undefined;
}

/** Polls every tab's report until `check` holds for all of them. */
function untilTabs(tabs: Tab[], check: (report: Report, index: number) => boolean, what: string, timeout = 15_000): Promise<Report[]> {
  return untilAll(tabs, (reports) => reports.every(check), what, timeout);
}

/** Polls every tab's report until `check` holds for the lot. */
async function untilAll(tabs: Tab[], check: (reports: Report[]) => boolean, what: string, timeout = 15_000, session = browser): Promise<Report[]> {
  let reports: Report[] = [];
  const start = Date.now();
  for (;;) {
    reports = await Promise.all(tabs.map((tab) => tab.run<Report>('report')));
    if (check(reports)) return reports;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(reports)}\n${session.console.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Three tabs of a fresh name: the first leads, the two others follow; all subscribed, the socket open. */
async function threeTabs(server: TestServer, name: string, session = browser, options: Record<string, unknown> = {}): Promise<Tab[]> {
  const tabs: Tab[] = [await session.newPage(), await session.newPage(), await session.newPage()];
  await tabs[0]!.run('start', { url: server.url, name, ...options });
  await untilTabs([tabs[0]!], (r) => r.role === 'leader' && r.state === 'open', 'the first tab to lead');
  await tabs[1]!.run('start', { url: server.url, name, ...options });
  await tabs[2]!.run('start', { url: server.url, name, ...options });
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
  // Sent before: handed to the old leader's socket (the server has them).
  await Promise.all([second.run('send', { values: [{ tab: 2, i: 1 }] }), third.run('send', { values: [{ tab: 3, i: 1 }] })]);
  await until(() => server.messages.length === 2, 15_000, 'the first two messages');
  await leader.page.close();
  // Sent while the hand-over happens (the old leader is gone, the new one maybe not elected yet):
  // kept in each tab until acknowledged, re-sent to whichever tab leads next.
  await Promise.all([second.run('send', { values: [{ tab: 2, i: 2 }, { tab: 2, i: 3 }] }), third.run('send', { values: [{ tab: 3, i: 2 }, { tab: 3, i: 3 }] })]);
  await untilAll([second, third], (reports) => reports.filter((r) => r.role === 'leader').length === 1, 'one new leader');
  await until(() => server.messages.length >= 6, 15_000, 'the six messages at the server');
  expect(server.connections).toHaveLength(2); // the first (gone with its tab) and one new
  expect(server.openConnections).toHaveLength(1);
  for (const t of [2, 3]) expect(server.messages.filter((m) => (m as { tab: number }).tab === t)).toEqual([1, 2, 3].map((i) => ({ tab: t, i })));
  expect(server.messages).toHaveLength(6);
  // Through the hand-over the other tabs' state went from 'open' to 'connecting' and back.
  for (const report of await untilTabs([second, third], (r) => r.state === 'open', 'open again')) {
    expect(report.states.lastIndexOf('connecting')).toBeGreaterThan(report.states.indexOf('open'));
    expect(report.states.slice(report.states.indexOf('open'))).not.toContain('idle');
  }
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

const count = (messages: unknown[], wanted: Record<string, unknown>): number =>
  messages.filter((m) => JSON.stringify(m) === JSON.stringify(wanted)).length;

it("the server closes the connection: every tab's subscribers error with its code; a tab subscribing again opens one new socket", async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'server-close');
  await server.connections[0]!.close(4000, 'maintenance');
  const reports = await untilTabs(tabs, (r) => r.received.some((m) => m['error'] !== undefined) && r.state === 'closed', 'the close in every tab');
  for (const report of reports) {
    expect(report.received).toHaveLength(1);
    expect(report.received[0]!['error']).toContain('WebSocketCloseError');
    expect(report.received[0]!['error']).toContain('4000');
    expect(report.received[0]!['error']).toContain('maintenance');
  }
  await tabs[1]!.run('resubscribe');
  await untilTabs(tabs, (r) => r.state === 'open', 'open again in every tab');
  expect(server.connections).toHaveLength(2);
  server.send({ n: 1 });
  await untilTabs([tabs[1]!], (r) => r.received.length === 2, 'the message in the tab that subscribed again');
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

it('a topic two tabs use is subscribed at the server once, and unsubscribed once after both leave', async () => {
  const server = await createTestServer({ json: true });
  const [first, second, third] = (await threeTabs(server, 'topics')) as [Tab, Tab, Tab];
  await first.run('topic', { topic: 'A' });
  await second.run('topic', { topic: 'A' });
  // A tab's messages arrive in its order: once its marker is there, its subscribe was handled.
  await second.run('send', { values: [{ marker: 1 }] });
  await until(() => count(server.messages, { marker: 1 }) === 1, 15_000, 'the marker');
  expect(count(server.messages, { sub: 'A' })).toBe(1);
  server.send({ topic: 'A', v: 1 });
  server.send({ topic: 'B', v: 2 });
  const reports = await untilAll([first, second, third], (r) => r[0]!.topics['A']?.length === 1 && r[1]!.topics['A']?.length === 1 && r[2]!.received.length >= 2, 'the topic message in both tabs');
  expect(reports[0]!.topics['A']).toEqual([{ topic: 'A', v: 1 }]);
  expect(reports[1]!.topics['A']).toEqual([{ topic: 'A', v: 1 }]);
  await first.run('untopic', { topic: 'A' });
  await first.run('send', { values: [{ marker: 2 }] });
  await until(() => count(server.messages, { marker: 2 }) === 1, 15_000, 'the second marker');
  expect(count(server.messages, { unsub: 'A' })).toBe(0); // the second tab still uses it
  await second.run('untopic', { topic: 'A' });
  await until(() => count(server.messages, { unsub: 'A' }) === 1, 15_000, 'the unsubscribe');
  await second.run('send', { values: [{ marker: 3 }] });
  await until(() => count(server.messages, { marker: 3 }) === 1, 15_000, 'the third marker');
  expect(count(server.messages, { unsub: 'A' })).toBe(1);
  expect(count(server.messages, { sub: 'A' })).toBe(1);
  await Promise.all([first, second, third].map((tab) => tab.page.close()));
}, 60_000);

it('after a hand-over the new socket is subscribed to the union of the remaining tabs\' topics, each once', async () => {
  const server = await createTestServer({ json: true });
  const [leader, second, third] = (await threeTabs(server, 'topics-hand-over')) as [Tab, Tab, Tab];
  await leader.run('topic', { topic: 'L' });
  await second.run('topic', { topic: 'A' });
  await third.run('topic', { topic: 'A' });
  await third.run('topic', { topic: 'B' });
  await until(() => count(server.messages, { sub: 'B' }) === 1, 15_000, 'the subscriptions');
  await leader.page.close();
  await until(() => server.connections.length === 2 && count(server.connections[1]!.messages, { sub: 'B' }) === 1 && count(server.connections[1]!.messages, { sub: 'A' }) === 1, 15_000, 'the topics on the new connection');
  await second.run('send', { values: [{ marker: 1 }] });
  await third.run('send', { values: [{ marker: 1 }] });
  await until(() => count(server.connections[1]!.messages, { marker: 1 }) === 2, 15_000, 'the markers');
  expect(server.connections[1]!.messages.filter((m) => (m as { sub?: string }).sub !== undefined)).toHaveLength(2); // A and B, not L
  server.send({ topic: 'A', v: 1 });
  await untilTabs([second, third], (r) => r.topics['A']?.length === 1, 'topic A in both tabs after the hand-over');
  await Promise.all([second.page.close(), third.page.close()]);
}, 60_000);

/** Two tabs' requests reach the server with distinct ids; answered in the other order, each tab gets its own reply. */
async function expectOwnReplies(server: TestServer, first: Tab, second: Tab): Promise<void> {
  const firstReply = first.run<Record<string, unknown>>('request', { method: 'one' });
  const secondReply = second.run<Record<string, unknown>>('request', { method: 'two' });
  await until(() => server.messages.length === 2, 15_000, 'both requests');
  const requests = server.messages as Array<{ id: string; method: string }>;
  const idOf = (method: string) => requests.find((r) => r.method === method)!.id;
  expect(idOf('one')).not.toBe(idOf('two'));
  server.send({ id: idOf('two'), result: 'for two' }); // answered first: only the second tab takes it
  await expect(secondReply).resolves.toEqual({ id: idOf('two'), result: 'for two' });
  server.send({ id: idOf('one'), result: 'for one' });
  await expect(firstReply).resolves.toEqual({ id: idOf('one'), result: 'for one' });
}

it("a tab's request() gets its own reply, though every tab receives every reply", async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'request');
  const [first, second] = tabs as [Tab, Tab, Tab];
  await expectOwnReplies(server, first, second);
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

it('a page of another origin never joins: it has its own socket', async () => {
  const server = await createTestServer({ json: true });
  const here = await browser.newPage();
  await here.run('start', { url: server.url, name: 'origins' });
  await untilTabs([here], (r) => r.role === 'leader' && r.state === 'open', 'the first tab to lead');
  // The same page server by another host name: another origin.
  const there = await browser.newPage(browser.origin.replace('127.0.0.1', 'localhost'));
  await there.run('start', { url: server.url, name: 'origins' });
  await untilTabs([there], (r) => r.role === 'leader' && r.state === 'open', 'the other origin\'s tab to lead too');
  expect(server.connections).toHaveLength(2);
  await Promise.all([here.page.close(), there.page.close()]);
}, 60_000);

it('without the Web Locks API a tab falls back to its own webSocket() (role "alone")', async () => {
  const server = await createTestServer({ json: true });
  const tabs = [await browser.newPage(), await browser.newPage()];
  for (const tab of tabs) await tab.run('start', { url: server.url, name: 'fallback', withoutLocks: true });
  await untilTabs(tabs, (r) => r.role === 'alone' && r.state === 'open', 'both tabs alone and open');
  expect(server.connections).toHaveLength(2);
  await tabs[0]!.run('send', { values: [{ hello: 1 }] });
  await until(() => server.messages.length === 1, 15_000, 'the message');
  server.send({ n: 1 });
  await untilTabs(tabs, (r) => r.received.length === 1, 'the message in both tabs');
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

it("every tab's open$, message$ and close$ mirror the leader's socket; decodeError$ reports in every tab and subscribers carry on", async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'passive');
  server.connections[0]!.raw.send('not json');
  server.send({ n: 1 });
  const reports = await untilTabs(tabs, (r) => r.received.length >= 1, 'the message after the bad one');
  for (const report of reports) {
    expect(report.decodeErrors).toEqual([{ data: 'not json', error: true }]);
    expect(report.received).toEqual([{ n: 1 }]);
    expect(report.messages).toEqual(['not json', '{"n":1}']);
  }
  await server.connections[0]!.close(4000, 'maintenance');
  await untilTabs(tabs, (r) => r.state === 'closed', 'the close in every tab');
  await tabs[1]!.run('resubscribe');
  const after = await untilTabs(tabs, (r) => r.state === 'open' && r.events.includes('close:4000:maintenance:true') && r.events.at(-1) === 'open', 'open again in every tab');
  // The first tab watched the first open too; the others started after it.
  expect(after[0]!.events).toEqual(['open', 'close:4000:maintenance:true', 'open']);
  for (const report of after.slice(1)) expect(report.events).toEqual(['close:4000:maintenance:true', 'open']);
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

it("queueLength counts a tab's messages waiting for the socket; clearQueue() takes them back, in that tab only", async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'queue');
  for (const tab of tabs) await tab.run('close');
  await untilTabs(tabs, (r) => r.state === 'closed', 'every tab closed');
  await tabs[1]!.run('send', { values: [{ tab: 1, i: 1 }, { tab: 1, i: 2 }] });
  await tabs[2]!.run('send', { values: [{ tab: 2, i: 1 }] });
  const waiting = await untilTabs(tabs, () => true, 'reports');
  expect(waiting.map((r) => r.queueLength)).toEqual([0, 2, 1]);
  expect(await tabs[1]!.run('clearQueue')).toEqual(['{"tab":1,"i":1}', '{"tab":1,"i":2}']);
  expect((await tabs[1]!.run<Report>('report')).queueLength).toBe(0);
  await tabs[1]!.run('resubscribe');
  await tabs[1]!.run('send', { values: [{ marker: 1 }] });
  await until(() => server.connections.length === 2 && count(server.connections[1]!.messages, { marker: 1 }) === 1, 15_000, 'the marker on the new connection');
  // The other tab's message went out (before the marker: it waited at the leader first); the cleared ones never.
  expect(server.connections[1]!.messages).toEqual([{ tab: 2, i: 1 }, { marker: 1 }]);
  await untilTabs(tabs, (r) => r.queueLength === 0, 'every queue empty');
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

type Numbered = { tab?: number; i?: number; n?: number };

/** A test server that speaks sessions: every Session it accepts, what each received, and its states. */
async function sessionServer(): Promise<{ server: TestServer; sessions: Array<Session<Numbered, Numbered>>; got: Numbered[]; states: SessionState[]; stop(): void }> {
  const server = await createTestServer({ protocols: [SESSION_PROTOCOL] });
  const sessions: Array<Session<Numbered, Numbered>> = [];
  const got: Numbered[] = [];
  const states: SessionState[] = [];
  // (Acknowledgements are slow on both ends, so that much is in flight at a hand-over.)
  const accepting = acceptSessions<Numbered, Numbered>(server.raw.wss, { store: memorySessionStore(), ackInterval: 200 }).subscribe((session) => {
    sessions.push(session);
    session.subscribe((m) => got.push(m));
    session.state$.subscribe((state) => states.push(state));
  });
  return { server, sessions, got, states, stop: () => accepting.unsubscribe() };
}

/** 1, 2, …, n */
const upTo = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);

describe('a frozen leader tab', () => {
  // Chromium freezes a page (Page Lifecycle API: `freeze`, later `resume`) as it does a tab long
  // in the background; CDP's Page.setWebLifecycleState does the same on demand.
  let freezable: BrowserSession;
  beforeAll(async () => {
    freezable = await openBrowser('shared.ts', { freezable: true });
  }, 60_000);
  afterAll(async () => freezable?.close());

  const lifecycle = async (tab: Tab, state: 'frozen' | 'active'): Promise<void> => {
    const cdp = await tab.page.context().newCDPSession(tab.page);
    await cdp.send('Page.setWebLifecycleState', { state });
    await cdp.detach();
  };

  it('gives up leadership: another tab leads with one new connection, nothing sent after is lost or repeated; resumed, it follows', async () => {
    const server = await createTestServer({ json: true });
    const tabs = await threeTabs(server, 'freeze', freezable);
    const [leader, second, third] = tabs as [Tab, Tab, Tab];
    await lifecycle(leader, 'frozen');
    // Sent while the hand-over happens: kept in each tab until a leader acknowledges them.
    await Promise.all([second.run('send', { values: [{ tab: 2, i: 1 }, { tab: 2, i: 2 }] }), third.run('send', { values: [{ tab: 3, i: 1 }, { tab: 3, i: 2 }] })]);
    const led = await untilAll([second, third], (r) => r.filter((x) => x.role === 'leader').length === 1 && r.every((x) => x.state === 'open'), 'a new leader, open', 15_000, freezable);
    expect(led.map((r) => r.role).sort()).toEqual(['follower', 'leader']);
    expect((await server.connections[0]!.closed).code).toBe(1000); // the frozen leader closed its socket as it froze
    await until(() => server.messages.length >= 4, 15_000, 'the four messages at the server');
    expect(server.connections).toHaveLength(2);
    for (const t of [2, 3]) expect(server.messages.filter((m) => (m as { tab: number }).tab === t)).toEqual([1, 2].map((i) => ({ tab: t, i })));
    expect(server.messages).toHaveLength(4);
    server.send({ after: 1 });
    const after = await untilAll([second, third], (r) => r.every((x) => x.received.some((m) => m['after'] === 1)), 'a message after the hand-over', 15_000, freezable);
    for (const report of after) expect(report.received.filter((m) => m['after'] === 1)).toHaveLength(1);

    await lifecycle(leader, 'active');
    await untilAll([leader], (r) => r[0]!.role === 'follower' && r[0]!.state === 'open', 'the resumed tab to follow', 15_000, freezable);
    await leader.run('send', { values: [{ tab: 1, i: 1 }] });
    await until(() => count(server.messages, { tab: 1, i: 1 }) === 1, 15_000, "the resumed tab's message");
    server.send({ after: 2 });
    const resumed = await untilAll(tabs, (r) => r.every((x) => x.received.some((m) => m['after'] === 2)), 'a message after the resume in every tab', 15_000, freezable);
    for (const report of resumed) expect(report.received.filter((m) => m['after'] === 2)).toHaveLength(1);
    // (What the server sent while the tab was frozen reaches it once or not at all: the browser holds or drops it.)
    expect(resumed[0]!.received.filter((m) => m['after'] === 1).length).toBeLessThanOrEqual(1);
    expect(server.connections).toHaveLength(2);
    expect(server.openConnections).toHaveLength(1);
    await Promise.all(tabs.map((tab) => tab.page.close()));
  }, 60_000);

  it('with a session: the next leader resumes it (the frozen one closed with 4100, which does not end it); nothing is lost or repeated; resumed, the tab follows', async () => {
    const { server, sessions, got, states, stop } = await sessionServer();
    const tabs = await threeTabs(server, 'freeze-session', freezable, { session: { ackInterval: 50 } });
    const [leader, second, third] = tabs as [Tab, Tab, Tab];
    try {
      await until(() => sessions.length === 1, 15_000, 'the session');
      await leader.run('send', { values: [{ tab: 0, i: 1 }] });
      await until(() => got.length === 1, 15_000, "the leader's first message");
      await lifecycle(leader, 'frozen');
      await Promise.all([second.run('send', { values: [{ tab: 1, i: 1 }, { tab: 1, i: 2 }] }), third.run('send', { values: [{ tab: 2, i: 1 }, { tab: 2, i: 2 }] })]);
      // (The frozen tab holds its tab lock and cannot answer: the new leader waits for it at most 2 s.)
      await untilAll([second, third], (r) => r.filter((x) => x.role === 'leader').length === 1 && r.every((x) => x.state === 'open'), 'a new leader, open', 15_000, freezable);
      expect((await server.connections[0]!.closed).code).toBe(4100);
      await until(() => got.length === 5, 15_000, 'the four messages of the other tabs');
      sessions[0]!.next({ n: 1 });
      await untilAll([second, third], (r) => r.every((x) => x.received.some((m) => m['n'] === 1)), 'a server message after the hand-over', 15_000, freezable);
      await lifecycle(leader, 'active');
      await untilAll([leader], (r) => r[0]!.role === 'follower' && r[0]!.state === 'open', 'the resumed tab to follow', 15_000, freezable);
      await leader.run('send', { values: [{ tab: 0, i: 2 }] });
      await until(() => got.length === 6, 15_000, "the resumed tab's message");
      for (const t of [0, 1, 2]) expect(got.filter((m) => m.tab === t).map((m) => m.i)).toEqual([1, 2]);
      expect(sessions).toHaveLength(1);
      expect(states.slice(states.indexOf('disconnected'))).toContain('connected');
      expect(server.connections).toHaveLength(2);
      await untilAll(tabs, (r) => r.every((x) => x.queueLength === 0), 'every message acknowledged', 15_000, freezable);
    } finally {
      stop();
      await Promise.all(tabs.map((tab) => tab.page.close()));
    }
  }, 60_000);
});

describe('with a SharedWorker (the `worker` option)', () => {
  it('the worker owns the one socket: every tab gets every message once, each next() is sent once in its tab order; a topic once', async () => {
    const server = await createTestServer({ json: true });
    const tabs: Tab[] = [await browser.newPage(), await browser.newPage(), await browser.newPage()];
    for (const tab of tabs) await tab.run('start', { url: server.url, name: 'worker', worker: true });
    await untilTabs(tabs, (r) => r.role === 'worker' && r.state === 'open', 'every tab served by the worker');
    expect(server.connections).toHaveLength(1);
    for (let n = 1; n <= 3; n++) server.send({ n });
    for (const report of await untilTabs(tabs, (r) => r.received.length >= 3, 'three messages in every tab')) {
      expect(report.received).toEqual([1, 2, 3].map((n) => ({ n })));
    }
    await Promise.all(tabs.map((tab, t) => tab.run('send', { values: [1, 2, 3].map((i) => ({ tab: t, i })) })));
    await until(() => server.messages.length >= 9, 15_000, 'nine messages at the server');
    for (let t = 0; t < 3; t++) expect(server.messages.filter((m) => (m as { tab: number }).tab === t)).toEqual([1, 2, 3].map((i) => ({ tab: t, i })));
    expect(server.messages).toHaveLength(9);
    await tabs[0]!.run('topic', { topic: 'A' });
    await tabs[1]!.run('topic', { topic: 'A' });
    await tabs[1]!.run('send', { values: [{ marker: 1 }] });
    await until(() => count(server.messages, { marker: 1 }) === 1, 15_000, 'the marker');
    expect(count(server.messages, { sub: 'A' })).toBe(1);
    // The worker outlives any tab: one closing changes nothing for the others.
    await tabs[0]!.page.close();
    server.send({ after: 'close' });
    await untilTabs(tabs.slice(1), (r) => r.received.some((m) => m['after'] === 'close'), 'a message after a tab closed');
    expect(server.connections).toHaveLength(1);
    const connection = server.connections[0]!;
    await tabs[1]!.run('close');
    await tabs[2]!.run('close');
    expect((await connection.closed).code).toBe(1000);
    expect(server.connections).toHaveLength(1);
    await Promise.all(tabs.slice(1).map((tab) => tab.page.close()));
  }, 60_000);

  it("a tab's request() gets its own reply through the worker", async () => {
    const server = await createTestServer({ json: true });
    const tabs: Tab[] = [await browser.newPage(), await browser.newPage()];
    for (const tab of tabs) await tab.run('start', { url: server.url, name: 'worker-request', worker: true });
    await untilTabs(tabs, (r) => r.role === 'worker' && r.state === 'open', 'both tabs served by the worker');
    const [first, second] = tabs as [Tab, Tab];
    await expectOwnReplies(server, first, second);
    expect(server.connections).toHaveLength(1);
    await Promise.all(tabs.map((tab) => tab.page.close()));
  }, 60_000);

  it('where SharedWorker is missing, `worker` is not called: the tabs elect a leader tab', async () => {
    const server = await createTestServer({ json: true });
    const tabs: Tab[] = [await browser.newPage(), await browser.newPage()];
    for (const tab of tabs) await tab.run('start', { url: server.url, name: 'no-worker', worker: true, withoutSharedWorker: true });
    const reports = await untilAll(tabs, (r) => r.every((x) => x.state === 'open') && r.some((x) => x.role === 'leader') && r.some((x) => x.role === 'follower'), 'a leader and a follower');
    expect(reports.map((r) => r.roles.includes('worker'))).toEqual([false, false]);
    expect(server.connections).toHaveLength(1);
    await Promise.all(tabs.map((tab) => tab.page.close()));
  }, 60_000);
});

it("a connection the browser fails (an invalid frame): every tab's error$ has the error, then close$ the unclean close", async () => {
  const server = await createTestServer({ json: true });
  const tabs = await threeTabs(server, 'passive-error');
  server.connections[0]!.sendRaw(new Uint8Array([0xf1, 0x00])); // reserved bits set: the client must fail the connection
  const reports = await untilTabs(tabs, (r) => r.events.some((e) => e.startsWith('close:')), 'the close in every tab');
  for (const report of reports) {
    const close = report.events.findIndex((e) => e.startsWith('close:'));
    expect(report.events.indexOf('error')).toBeGreaterThanOrEqual(0);
    expect(report.events.indexOf('error')).toBeLessThan(close);
    expect(report.events[close]).toMatch(/^close:\d+:.*:false$/);
  }
  await Promise.all(tabs.map((tab) => tab.page.close()));
}, 60_000);

describe('with a resumable session (`session: resumable()`) and a real acceptSessions() server', () => {
  async function handOver(how: 'close' | 'crash', session: BrowserSession): Promise<void> {
    const { server, sessions, got, states, stop } = await sessionServer();
    // (Both forms: a bare resumable() loads the sharing code on demand; sharedSession(resumable()) bundles it.)
    const tabs = await threeTabs(server, `session-${how}`, session, { session: { ackInterval: 200 }, sessionForm: how === 'close' ? 'bare' : 'shared' });
    const [leader, second, third] = tabs as [Tab, Tab, Tab];
    await until(() => sessions.length === 1, 15_000, 'the session');
    const producer = sessions[0]!;
    // The server keeps sending numbered messages, and every tab keeps calling next().
    let n = 0;
    const serverPump = setInterval(() => producer.next({ n: ++n }), 4);
    try {
      await Promise.all(tabs.map((tab, t) => tab.run('pump', { tab: t, every: 3 })));
      await until(() => tabs.every((_, t) => got.filter((m) => m.tab === t).length >= 20) && n >= 20, 15_000, 'traffic both ways');
      const fromLeader = await leader.run<number>('stopPump');
      if (how === 'close') await leader.page.close();
      else await crash(leader);
      const led = await untilAll([second, third], (r) => r.filter((x) => x.role === 'leader').length === 1 && r.every((x) => x.state === 'open'), 'a new leader, open', 15_000, session);
      expect(led.map((r) => r.role).sort()).toEqual(['follower', 'leader']);
      // Traffic goes on through the new leader for a while, both ways.
      const before = got.length;
      const nBefore = n;
      await until(() => got.length >= before + 40 && n >= nBefore + 20, 15_000, 'traffic after the hand-over');
      const sent = await Promise.all([second.run<number>('stopPump'), third.run<number>('stopPump')]);
      clearInterval(serverPump);
      const last = n;
      await until(() => [1, 2].every((t) => got.filter((m) => m.tab === t).length >= sent[t - 1]!), 15_000, "every page's messages at the server");
      const reports = await untilAll([second, third], (r) => r.every((x) => x.received.some((m) => m['n'] === last)), 'the last server message in both pages', 15_000, session);
      // The server's Session got every page's messages exactly once, in each page's order.
      for (const t of [1, 2]) expect(got.filter((m) => m.tab === t).map((m) => m.i)).toEqual(upTo(sent[t - 1]!));
      const ofLeader = got.filter((m) => m.tab === 0).map((m) => m.i!);
      if (how === 'close') expect(ofLeader).toEqual(upTo(fromLeader)); // it left its unacknowledged messages to the next leader
      else expect(ofLeader).toEqual(upTo(ofLeader.length)); // a crashed leader's own unacknowledged messages go with it: no duplicate, no gap
      // Every page received every server message exactly once, in order.
      for (const report of reports) expect(report.received.map((m) => m['n'])).toEqual(upTo(last));
      // The server saw a resume, not a new session; every page's session$ says so.
      expect(sessions).toHaveLength(1);
      expect(states.slice(states.indexOf('disconnected'))).toContain('connected');
      expect(server.connections).toHaveLength(2);
      // (A page that started after the session began saw no 'new': session$ is passive.)
      for (const report of reports) {
        expect(report.sessionEvents.map((e) => e.kind).filter((kind) => kind !== 'new')).toEqual(['resumed']);
        expect(new Set(report.sessionEvents.map((e) => e.id)).size).toBe(1);
      }
      await untilTabs([second, third], (r) => r.queueLength === 0, 'every message acknowledged', 15_000);
    } finally {
      clearInterval(serverPump);
      stop();
      await Promise.all([second.page.close(), third.page.close()]);
    }
  }

  /** Crashes the page's renderer (CDP), as a tab whose process dies. */
  async function crash(tab: Tab): Promise<void> {
    const cdp = await tab.page.context().newCDPSession(tab.page);
    const crashed = tab.page.waitForEvent('crash');
    void cdp.send('Page.crash').catch(() => {}); // (it never answers: the page is gone)
    await crashed;
  }

  it('`session: resumable()`: the leader page closes while every page sends and the server sends: the session is resumed; nothing is lost or repeated, in either direction', async () => {
    await handOver('close', browser);
  }, 90_000);

  it('`session: sharedSession(resumable())`: the leader page crashes while every page sends and the server sends: the session is resumed; the others lose nothing, nobody sees a duplicate', async () => {
    await handOver('crash', browser);
  }, 90_000);

  it("the server forgot the session: each page's session$ reports 'lost' with its own unacknowledged messages, then 'new'", async () => {
    const server = await createTestServer({ protocols: [SESSION_PROTOCOL] });
    const sessions: Array<Session<Numbered, Numbered>> = [];
    const states: SessionState[] = [];
    const got: Numbered[] = [];
    // The server acknowledges nothing for a minute, and forgets a session 50 ms after its connection goes.
    const accepting = acceptSessions<Numbered, Numbered>(server.raw.wss, { store: memorySessionStore(), ackInterval: 60_000, ackEvery: 1_000, expireAfter: 50 }).subscribe((session) => {
      sessions.push(session);
      session.subscribe((m) => got.push(m));
      session.state$.subscribe((state) => states.push(state));
    });
    const tabs = await threeTabs(server, 'session-lost', browser, { session: {} });
    try {
      await until(() => sessions.length === 1, 15_000, 'the session');
      await Promise.all(tabs.map((tab, t) => tab.run('send', { values: [1, 2].map((i) => ({ tab: t, i })) })));
      await until(() => got.length === 6, 15_000, 'six messages at the server, not acknowledged');
      server.connections[0]!.raw.terminate(); // the connection drops; the session expires
      await until(() => states.includes('expired'), 15_000, 'the session to expire');
      await untilTabs(tabs, (r) => r.received.some((m) => m['error'] !== undefined), "every page's subscribers to end with the connection");
      await tabs[1]!.run('resubscribe');
      const reports = await untilTabs(tabs, (r) => r.sessionEvents.some((e) => e.kind === 'lost') && r.sessionEvents.at(-1)?.kind === 'new', "'lost' then 'new' in every page");
      reports.forEach((report, t) => {
        const lost = report.sessionEvents.find((e) => e.kind === 'lost')!;
        expect(lost.unacknowledged).toEqual([1, 2].map((i) => JSON.stringify({ tab: t, i })));
        expect(report.queueLength).toBe(0); // not sent again by itself
      });
      expect(sessions).toHaveLength(2);
    } finally {
      accepting.unsubscribe();
      await Promise.all(tabs.map((tab) => tab.page.close()));
    }
  }, 60_000);

  it('through a SharedWorker: one resumable session for every tab, each message once both ways', async () => {
    const { server, sessions, got, stop } = await sessionServer();
    const tabs: Tab[] = [await browser.newPage(), await browser.newPage()];
    try {
      for (const tab of tabs) await tab.run('start', { url: server.url, name: 'worker-session', worker: true, session: { ackInterval: 20 } });
      // (session$ is passive: a tab that joined after the welcome saw no 'new'.)
      await untilTabs(tabs, (r, i) => r.role === 'worker' && r.state === 'open' && (i > 0 || r.sessionEvents.length === 1), 'both tabs served by the worker, the session new');
      await until(() => sessions.length === 1, 15_000, 'the session');
      for (let n = 1; n <= 5; n++) sessions[0]!.next({ n });
      for (const report of await untilTabs(tabs, (r) => r.received.length >= 5, 'five messages in both tabs')) {
        expect(report.received.map((m) => m['n'])).toEqual(upTo(5));
        expect(report.sessionEvents.map((e) => e.kind).filter((kind) => kind !== 'new')).toEqual([]);
      }
      await Promise.all(tabs.map((tab, t) => tab.run('send', { values: [1, 2, 3].map((i) => ({ tab: t, i })) })));
      await until(() => got.length >= 6, 15_000, 'six messages at the server');
      for (const t of [0, 1]) expect(got.filter((m) => m.tab === t).map((m) => m.i)).toEqual([1, 2, 3]);
      expect(got).toHaveLength(6);
      await untilTabs(tabs, (r) => r.queueLength === 0, 'every message acknowledged by the server');
      expect(server.connections).toHaveLength(1);
    } finally {
      stop();
      await Promise.all(tabs.map((tab) => tab.page.close()));
    }
  }, 60_000);
});
