// The proof: a real Angular app (spec/angular-app/src: standalone components, AOT-compiled by
// ngc, bundled by esbuild with Angular's linker) in headless Chromium, talking to an rxws/testing
// server through rxws/angular. Once with zone.js, once zoneless, then rendered on the server with
// @angular/platform-server and hydrated in the browser.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import 'rxws/testing/jest';
import { CHROMIUM_ARGS, findChromium } from '../browser/harness.js';

useTestServers({ onLeak: 'throw' });

const here = __dirname;
const build = join(here, '.build');
const run = promisify(execFile);

/** The page the static server serves for a mode, and the rendered SSR page once made. */
const pages: Record<string, string> = {};
let http: Server;
let origin = '';
let browser: Browser;

beforeAll(async () => {
  // ngc + esbuild (the build script, as CI runs it); needs dist/ (`npm run build`, which `npm test` runs first).
  await run(process.execPath, [join(here, 'build.mjs')], { timeout: 240_000 });
  const index = readFileSync(join(here, 'index.html'), 'utf8');
  pages['zone'] = index;
  pages['zoneless'] = index;
  const bundles: Record<string, string> = { zone: 'main-zone.js', zoneless: 'main-zoneless.js', ssr: 'main-zoneless.js' };
  http = createServer((request, response) => {
    const [, mode, file] = (request.url ?? '/').split('?')[0]!.split('/') as [string, string, string];
    const send = (type: string, body: string) => response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
    if (file === '' && pages[mode] !== undefined) return send('text/html', pages[mode]!);
    if (file === 'main.js' && bundles[mode] !== undefined) return send('text/javascript', readFileSync(join(build, bundles[mode]!), 'utf8'));
    if (mode === 'favicon.ico') return void response.writeHead(204).end();
    response.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
});

let server: TestServer;
let page: Page;
const consoleLines: string[] = [];

beforeEach(async () => {
  server = await createTestServer({ json: true });
  server.on({ type: 'ping' }).reply({ type: 'pong' });
  page = await (await browser.newContext()).newPage();
  consoleLines.length = 0;
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
});

afterEach(async () => {
  await page.context().close();
});

/** What the page rendered: the state line and the list of ticks. */
async function rendered(): Promise<{ state: string | undefined; ticks: string[] }> {
  return page.evaluate(() => ({
    state: document.getElementById('state')?.textContent ?? undefined,
    ticks: Array.from(document.querySelectorAll('#ticks li')).map((li) => li.textContent!.trim()),
  }));
}

/** Waits until the page shows `state` and `ticks` ticks. */
async function shows(state: string, ticks: number): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, n]) => document.getElementById('state')?.textContent === s && document.querySelectorAll('#ticks li').length === n,
      [state, ticks] as const,
      { timeout: 10_000 },
    );
  } catch (error) {
    throw new Error(`the page did not show '${state}' with ${ticks} ticks: ${JSON.stringify(await rendered())}\n${consoleLines.join('\n')}`, { cause: error });
  }
}

interface Probe {
  renders: number;
  stable: boolean;
  pendingMacrotasks: boolean;
}
const probe = (): Promise<Probe> =>
  page.evaluate(() => {
    const app = (globalThis as unknown as { __app: { app: { renders: number }; isStable(): boolean; pendingMacrotasks(): boolean } }).__app;
    return { renders: app.app.renders, stable: app.isStable(), pendingMacrotasks: app.pendingMacrotasks() };
  });

const pings = () => server.messages.filter((m) => (m as { type?: string }).type === 'ping').length;
const SUBSCRIBE = { type: 'subscribe', topic: 'ticks' };

/** The checks both modes pass. */
async function proveLiveFeed(mode: 'zone' | 'zoneless'): Promise<void> {
  await page.goto(`${origin}/${mode}/?ws=${encodeURIComponent(server.url)}`);
  const connection = await server.nextConnection({ timeout: 15_000 });
  await expect(connection).toReceiveMessage(SUBSCRIBE);
  await shows('open', 0);
  // Record every state the page shows from now on.
  await page.evaluate(() => {
    const seen: string[] = ((globalThis as unknown as { __states: string[] }).__states = []);
    const state = document.getElementById('state')!;
    new MutationObserver(() => seen.push(state.textContent!)).observe(state, { characterData: true, childList: true, subtree: true });
  });

  // Open with heartbeat (a ping about every second, answered) and reconnect() on: stable, nothing
  // pending in the zone, and no change detection for pings and pongs.
  const before = await probe();
  const firstPing = pings();
  while (pings() < firstPing + 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const idle = await probe();
  expect({ stable: idle.stable, pendingMacrotasks: idle.pendingMacrotasks, renders: idle.renders }).toEqual({ stable: true, pendingMacrotasks: false, renders: before.renders });

  // Each message: rendered, with exactly one change detection.
  for (let n = 1; n <= 5; n++) {
    connection.send({ type: 'tick', topic: 'ticks', n });
    await shows('open', n);
  }
  const after = await probe();
  expect(after.renders - idle.renders).toBe(5);
  expect((await rendered()).ticks).toEqual(['1', '2', '3', '4', '5']);
  connection.send({ type: 'tick', topic: 'other', n: 99 }); // another topic: filtered out (not in the list below)

  // The server restarts: the page shows reconnecting, then open; the topic is subscribed again; the list goes on.
  await server.restart({ downtime: 300 });
  const again = await server.nextConnection({ timeout: 15_000 });
  await expect(again).toReceiveMessage(SUBSCRIBE);
  await shows('open', 5);
  const states = await page.evaluate(() => (globalThis as unknown as { __states: string[] }).__states);
  expect(states).toEqual(expect.arrayContaining(['reconnecting', 'open']));
  expect(states.lastIndexOf('reconnecting')).toBeLessThan(states.lastIndexOf('open'));
  again.send({ type: 'tick', topic: 'ticks', n: 6 });
  await shows('open', 6);
  expect((await rendered()).ticks).toEqual(['1', '2', '3', '4', '5', '6']);
  const reopened = await probe();
  expect({ stable: reopened.stable, pendingMacrotasks: reopened.pendingMacrotasks }).toEqual({ stable: true, pendingMacrotasks: false });

  // Destroying the component closes its connection with 1000 (the server sees it), and nothing reconnects.
  await page.evaluate(() => (globalThis as unknown as { __app: { app: { showFeed: { set(v: boolean): void } } } }).__app.app.showFeed.set(false));
  expect(await again.waitForClose({ timeout: 10_000 })).toMatchObject({ code: 1000 });
  await page.waitForFunction(() => document.querySelector('app-feed') === null);
  expect(server.connections).toHaveLength(2);
  expect(unexpectedErrors()).toEqual([]);
}

/**
 * Errors the page logged, but for the browser's own reports of reconnect attempts that failed while
 * the server restarted (refused while it was down; reset when an attempt met the closing listener).
 */
const unexpectedErrors = () =>
  consoleLines.filter((line) => /\[(error|pageerror)\]|NG0\d+/.test(line) && !/WebSocket connection to '[^']*' failed: .*(ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|Connection closed before receiving a handshake response)/.test(line));

describe('the Angular app in Chromium', () => {
  it('with zone.js: renders messages and the state signal, survives a server restart, stays stable, one change detection per message, closes with 1000', async () => {
    await proveLiveFeed('zone');
  }, 60_000);

  it('zoneless (no zone.js loaded): the same', async () => {
    await proveLiveFeed('zoneless');
    expect(await page.evaluate(() => typeof (globalThis as { Zone?: unknown }).Zone)).toBe('undefined');
  }, 60_000);

  it('rendered on the server (platform-server): no socket opened, then hydrated in the browser, which connects', async () => {
    const output = join(build, 'ssr.html');
    await run(process.execPath, [join(build, 'server.mjs'), join(here, 'index.html'), `/?ws=${encodeURIComponent(server.url)}`, output], { cwd: here, timeout: 60_000 });
    const html = readFileSync(output, 'utf8');
    expect(html).toMatch(/<p id="state">idle<\/p>/);
    expect(html).not.toMatch(/<li>/);
    expect(html).toMatch(/ngh=/); // hydration annotations
    expect(server.handshakes).toHaveLength(0); // the render has finished (its process exited) without a socket
    pages['ssr'] = html;

    // Each WebSocket the page makes says so in the console: its place among Angular's own lines.
    await page.addInitScript(() => {
      const Native = globalThis.WebSocket;
      globalThis.WebSocket = class extends Native {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          console.log('[spec] new WebSocket');
          super(...args);
        }
      };
    });
    await page.goto(`${origin}/ssr/?ws=${encodeURIComponent(server.url)}`);
    const connection = await server.nextConnection({ timeout: 15_000 });
    await expect(connection).toReceiveMessage(SUBSCRIBE);
    connection.send({ type: 'tick', topic: 'ticks', n: 1 });
    await shows('open', 1);
    // The server-rendered node was hydrated (kept), then updated by the connection.
    expect(await page.evaluate(() => document.getElementById('state') === (globalThis as unknown as { __ssrState: Element | null }).__ssrState)).toBe(true);
    expect(consoleLines.join('\n')).toMatch(/Angular hydrated 2 component\(s\)/);
    // The socket was made after hydration had finished.
    const hydratedAt = consoleLines.findIndex((line) => /Angular hydrated/.test(line));
    const socketAt = consoleLines.findIndex((line) => line.includes('[spec] new WebSocket'));
    expect(hydratedAt).toBeGreaterThanOrEqual(0);
    expect(socketAt).toBeGreaterThan(hydratedAt);
    expect(unexpectedErrors()).toEqual([]);
    await page.evaluate(() => (globalThis as unknown as { __app: { appRef: { destroy(): void } } }).__app.appRef.destroy());
    expect(await connection.waitForClose({ timeout: 10_000 })).toMatchObject({ code: 1000 });
  }, 60_000);

  it("rendered on the server with ssr: 'connect': rxws's Node WebSocket works under platform-server's DOM globals, and closes with 1000 when the render ends", async () => {
    server.on(SUBSCRIBE).reply({ type: 'tick', topic: 'ticks', n: 1 });
    const output = join(build, 'ssr-connect.html');
    await run(process.execPath, [join(build, 'server.mjs'), join(here, 'index.html'), `/?ssr=connect&ws=${encodeURIComponent(server.url)}`, output], { cwd: here, timeout: 60_000 });
    const html = readFileSync(output, 'utf8');
    expect(html).toMatch(/<p id="state">open<\/p>/);
    expect(html).toMatch(/<li>\s*1\s*<\/li>/);
    expect(server.connections).toHaveLength(1);
    expect(await server.connections[0]!.waitForClose()).toMatchObject({ code: 1000 });
  }, 60_000);
});
