import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('subject.ts');
}, 60_000);
afterAll(async () => browser?.close());

describe.each(['page', 'worker'] as const)('webSocket() in Chromium (%s)', (where) => {
  const run = <T>(name: string, input: unknown) => (where === 'page' ? browser.run<T>(name, input) : browser.runInWorker<T>(name, input));

  it('sends queued JSON in order once open, receives JSON, and reports its states', async () => {
    const server = await createTestServer({ json: true });
    server.on(() => true).reply((message) => ({ echo: message }));
    const report = await run<{ got: unknown[]; states: string[]; native: boolean }>('json', { url: server.url });
    expect(report.native).toBe(true);
    expect(report.got).toEqual([{ echo: { n: 1 } }, { echo: { n: 2 } }, { echo: { n: 3 } }]);
    expect(report.states).toEqual(['idle', 'connecting', 'open', 'closing', 'closed']);
    const connection = server.connections[0]!;
    expect(connection.messages).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect((await connection.waitForClose()).code).toBe(1000); // the last unsubscribe closes with 1000
  });

  it.each(['arraybuffer', 'blob'] as const)('round-trips binary with binaryType %s', async (binaryType) => {
    const server = await createTestServer();
    server.on(() => true).reply((message) => message);
    const report = await run<{ type: string; bytes: number[] }>('binary', { url: server.url, binaryType });
    expect(report).toEqual({ type: binaryType === 'blob' ? 'Blob' : '[object ArrayBuffer]', bytes: [1, 2, 3, 250] });
    expect(server.connections[0]!.messages).toEqual([new Uint8Array([1, 2, 3, 250])]);
  });

  it('errors with WebSocketCloseError on a server 1012, and completes on a clean 1000', async () => {
    const server = await createTestServer();
    server.on('please close').close(1012, 'restarting');
    expect(await run('closeCodes', { url: server.url })).toEqual({ error: 'WebSocketCloseError', code: 1012, reason: 'restarting', wasClean: true });
    const clean = await createTestServer();
    clean.on('please close').close(1000, 'bye');
    expect(await run('closeCodes', { url: clean.url })).toEqual({ complete: true });
  });
});
