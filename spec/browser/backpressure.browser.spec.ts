import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('backpressure.ts');
}, 60_000);
afterAll(async () => browser?.close());

describe.each(['page', 'worker'] as const)('send backpressure in Chromium (%s)', (where) => {
  it('closes the gate while the server stops reading (polling bufferedAmount), then sends everything in order', async () => {
    const server = await createTestServer();
    // The server stops reading at once and resumes after 0.8 s: the client's buffer fills up.
    server.onConnection((connection) => {
      connection.stopReading();
      setTimeout(() => connection.resumeReading(), 800);
    });
    const input = { url: server.url, count: 200, size: 64 * 1024, high: 512 * 1024, low: 128 * 1024 };
    const report = await (where === 'page' ? browser.run : browser.runInWorker)<{
      written: number;
      pulled: number;
      pulledWhenFirstGated: number;
      maxBuffered: number;
      writable: boolean[];
    }>('gatedSend', input);
    expect(report.written).toBe(200);
    expect(report.writable[0]).toBe(true);
    expect(report.writable).toContain(false);
    expect(report.writable[report.writable.length - 1]).toBe(true);
    // Pulled no faster than the network takes it: when the gate first closed, the source had not run ahead.
    expect(report.pulledWhenFirstGated).toBeGreaterThan(0);
    expect(report.pulledWhenFirstGated).toBeLessThan(200);
    // The socket never held much more than the high-water mark plus one message.
    expect(report.maxBuffered).toBeLessThanOrEqual(input.high + 2 * input.size);
    const connection = server.connections[0]!;
    const deadline = Date.now() + 10_000;
    while (connection.messages.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const order = connection.messages.map((m) => {
      const bytes = m as Uint8Array;
      return bytes[0]! | (bytes[1]! << 8);
    });
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i & 0xffff));
  });
});
