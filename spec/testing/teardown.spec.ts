import {
  closeAllTestServers,
  createTestServer,
  formatTeardownReport,
  openTestServerCount,
  TestServerLeakError,
} from 'rxws/testing';
import { closeOf, closeWs, openWs } from './clients.js';
import { until, untilSteady } from '../helpers/client.js';

// These tests drive the teardown helpers themselves, so they call them explicitly.
afterEach(() => closeAllTestServers({ onLeak: 'ignore' }));

describe('teardown', () => {
  it('closeAllTestServers closes every server a test created and frees their ports', async () => {
    const a = await createTestServer();
    const b = await createTestServer();
    expect(openTestServerCount()).toBe(2);
    const reports = await closeAllTestServers();
    expect(reports.map((r) => r.server).sort()).toEqual([a.url, b.url].sort());
    expect(reports.every((r) => r.clean)).toBe(true);
    expect(openTestServerCount()).toBe(0);
    expect(a.closed && b.closed).toBe(true);
  });

  it('reports open connections and pending waits: warn (default), throw or ignore', async () => {
    const server = await createTestServer();
    const ws = await openWs(`${server.url}/left-open`);
    const connection = await server.nextConnection();
    const forgotten = connection.nextMessage({ timeout: 10_000 });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const closed = closeOf(ws);
      const [report] = await closeAllTestServers();
      expect(await closed).toEqual({ code: 1001, reason: 'Going Away' });
      expect(report!.clean).toBe(false);
      expect(warn).toHaveBeenCalledTimes(1);
      const text = String(warn.mock.calls[0]![0]);
      expect(text).toContain('connection #1 (/left-open) was still open');
      expect(text).toContain('nextMessage() on connection #1 (/left-open) was still waiting');
      expect(text).toBe(formatTeardownReport(report!));
    } finally {
      warn.mockRestore();
    }
    await expect(forgotten).rejects.toThrow(/closed/);

    const strict = await createTestServer();
    const pending = strict.nextConnection({ timeout: 10_000 });
    const error = await closeAllTestServers({ onLeak: 'throw' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestServerLeakError);
    expect((error as Error).message).toContain(`nextConnection() on ${strict.url} was still waiting`);
    await expect(pending).rejects.toThrow(/was closed/);

    await createTestServer();
    void (await createTestServer()).nextConnection();
    await expect(closeAllTestServers({ onLeak: 'ignore' })).resolves.toHaveLength(2);
  });

  it('a clean test leaves a clean report', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    await closeWs(ws);
    await connection.closed;
    await expect(server.close()).resolves.toMatchObject({ clean: true, openConnections: [], pendingWaits: [], errors: [] });
  });

  const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
  (asyncDispose ? it : it.failing)('supports Symbol.asyncDispose (await using) where the runtime has it', async () => {
    const server = await createTestServer();
    const dispose = (server as unknown as Record<symbol, () => Promise<unknown>>)[asyncDispose!]!;
    await dispose.call(server);
    expect(server.closed).toBe(true);
    expect(openTestServerCount()).toBe(0);
  });

  it('leaves no handle behind: the process has the same active resources after close', async () => {
    const count = (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      delete counts.Timeout; // Jest's own timers come and go
      return counts;
    };
    await untilSteady(() => [JSON.stringify(count())], 50, 5000, 'steady handles'); // counted once steady
    const before = count();
    const same = (): boolean => {
      const now = count();
      return Object.keys({ ...now, ...before }).every((k) => now[k] === before[k]);
    };
    const server = await createTestServer({ json: true });
    server.on('ping').reply('pong');
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    ws.send('"ping"');
    await connection.nextMessage();
    await connection.nextMessage({ timeout: 20 }).catch(() => undefined);
    server.delayHandshake(Infinity);
    const held = openWs(server.url).catch(() => undefined);
    await until(() => server.heldHandshakes === 1, 5000, 'the handshake to be held');
    await server.close();
    await held;
    // The client's side of the cut handshake is released within moments; a leaked handle outlives the wait.
    await until(same, 3000).catch(() => undefined);
    expect(count()).toEqual(before);
  });
});
