import { createTestServer, useTestServers } from 'rxws/testing';
import { setTimeout as delay } from 'node:timers/promises';
import { realDelay } from '../../lib/testing/timers.js';
import { closeWs, openWs } from './clients.js';

useTestServers({ onLeak: 'throw' });

afterEach(() => jest.useRealTimers());

describe("the kit's timers under Jest fake timers", () => {
  it('wait timeouts still fire with jest.useFakeTimers()', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    jest.useFakeTimers();
    await expect(connection.nextMessage({ timeout: 30 })).rejects.toThrow(/Timed out after 30 ms/);
    await expect(server.nextConnection({ timeout: 30 })).rejects.toThrow(/Timed out after 30 ms/);
    await expect(connection.expectNoMessage(20)).resolves.toBeUndefined();
    await expect(realDelay(10)).resolves.toBeUndefined();
    jest.useRealTimers();
    await closeWs(ws);
  });

  it('real I/O keeps flowing while the code under test sits on fake time', async () => {
    const server = await createTestServer({ json: true, replyDelay: 10 });
    server.on({ type: 'ping' }).reply({ type: 'pong' });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const ws = await openWs(server.url);
    // The code under test schedules a send on fake time: nothing happens until time is advanced.
    setTimeout(() => ws.send(JSON.stringify({ type: 'ping' })), 5000);
    const connection = await server.nextConnection();
    await expect(connection.expectNoMessage(20)).resolves.toBeUndefined();
    jest.advanceTimersByTime(5000);
    await expect(connection.nextMessage()).resolves.toEqual({ type: 'ping' });
    const pong = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    expect(JSON.parse(pong)).toEqual({ type: 'pong' });
    jest.useRealTimers();
    await closeWs(ws);
  });

  it("a test's own real-time wait, as docs/testing.md advises: node:timers/promises is not faked", async () => {
    jest.useFakeTimers();
    // Under fake timers a global setTimeout would never fire here; the core module's one does.
    await expect(delay(10, 'waited')).resolves.toBe('waited');
    jest.useRealTimers();
  });
});
