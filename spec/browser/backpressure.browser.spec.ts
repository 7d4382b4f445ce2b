import { createTestServer, useTestServers } from 'rxws/testing';
import { openBrowser, type BrowserSession } from './harness.js';
import { until } from '../helpers/client.js';

useTestServers();
let browser: BrowserSession;
beforeAll(async () => {
  browser = await openBrowser('backpressure.ts');
}, 60_000);
afterAll(async () => browser?.close());

describe.each(['page', 'worker'] as const)('send backpressure in Chromium (%s)', (where) => {
  it('closes the gate while the server stops reading (polling bufferedAmount), then sends everything in order', async () => {
    const server = await createTestServer();
    // The server stops reading at once, so the client's buffer fills up; it resumes when the page
    // says (over a second connection) that the gate has closed.
    server.onConnection((connection) => {
      if (connection.id === 1) connection.stopReading();
    });
    server.on('gated').reply(() => {
      server.connections[0]!.resumeReading();
      return undefined;
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
    await until(() => connection.messages.length >= 200, 10_000, '200 messages');
    const order = connection.messages.map((m) => {
      const bytes = m as Uint8Array;
      return bytes[0]! | (bytes[1]! << 8);
    });
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i & 0xffff));
  });
});
