import { createTestServer, closeAllTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';

let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('websocket.ts');
}, 60_000);
afterAll(async () => browser?.close());
afterEach(() => closeAllTestServers());

describe('rxws in a real browser (Chromium)', () => {
  it('exports the platform WebSocket, with no Node controls, in a page', async () => {
    const server = await createTestServer();
    server.on(() => true).reply((message) => message);
    const report = await browser.run<Record<string, unknown>>('nativeWebSocket', { url: server.url });
    expect(report).toEqual({ isNative: true, controls: 'none', echoed: 'from the page', close: [1000, 'done', true] });
    const connection = server.connections[0]!;
    expect(connection.messages).toEqual(['from the page']);
  });

  it('does the same inside a dedicated Worker', async () => {
    const server = await createTestServer();
    server.on(() => true).reply((message) => message);
    const report = await browser.runInWorker<Record<string, unknown>>('nativeWebSocket', { url: server.url });
    expect(report).toEqual({ isNative: true, controls: 'none', echoed: 'from the page', close: [1000, 'done', true] });
  });

  it('loads dist/browser unbundled from a plain <script type="module">, with no side effects', async () => {
    await browser.page.goto(`${browser.origin}/plain.html`);
    await browser.page.waitForFunction(() => (globalThis as { __plain?: unknown }).__plain !== undefined);
    const plain = await browser.page.evaluate(() => (globalThis as unknown as { __plain: { WebSocketIsNative: boolean; exports: string[]; globalsTouched: boolean } }).__plain);
    expect(plain.WebSocketIsNative).toBe(true);
    expect(plain.globalsTouched).toBe(false); // importing rxws has no side effects on the page
    expect(plain.exports).toEqual(expect.arrayContaining(['webSocket', 'reconnect', 'gate', 'sendAll']));
    expect(plain.exports).toContain('WebSocket');
    await browser.page.goto(`${browser.origin}/`);
    await browser.page.waitForFunction(() => (globalThis as { __rxwsTests?: unknown }).__rxwsTests !== undefined);
  });
});
