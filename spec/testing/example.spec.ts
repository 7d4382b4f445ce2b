// The example suite of docs/testing.md, kept here so it is known to run. It tests a small
// reconnecting client, written as a user would write one on rxws's WebSocket, end to end against a
// scripted server: a drop, a stall (half-open peer) and a server restart.
import { WebSocket } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import 'rxws/testing/jest';

useTestServers();

/** The code under test: subscribes to a topic, keeps the connection alive, reconnects. */
class Feed {
  readonly updates: unknown[] = [];
  readonly closeCodes: number[] = [];
  #socket: WebSocket | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(
    private readonly url: string,
    private readonly topic: string,
    private readonly timing = { heartbeatMs: 40, retryMs: 20 },
  ) {
    this.#connect();
  }

  close(): void {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    this.#socket?.close();
  }

  #connect(): void {
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'subscribe', topic: this.topic }));
      this.#keepAlive(socket);
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { type: string };
      if (message.type === 'update') this.updates.push(message);
    };
    socket.onclose = (event) => {
      this.closeCodes.push(event.code);
      clearInterval(this.#heartbeat);
      if (!this.#stopped) setTimeout(() => this.#connect(), this.timing.retryMs);
    };
  }

  /** Pings every `heartbeatMs`; a peer that misses a pong is given up on (half-open). */
  #keepAlive(socket: WebSocket): void {
    const controls = getNodeControls(socket)!;
    let answered = true;
    controls.onPong(() => (answered = true));
    this.#heartbeat = setInterval(() => {
      if (!answered) return controls.terminate();
      answered = false;
      controls.ping();
    }, this.timing.heartbeatMs);
  }
}

/** Waits (real time) until `check` passes. */
async function eventually(check: () => void, timeout = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() - start > timeout) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('Feed against a scripted server', () => {
  let server: TestServer;
  let feed: Feed;

  beforeEach(async () => {
    server = await createTestServer({ json: true });
    // The protocol, declared once: every subscription is acknowledged with a first update.
    server
      .on({ type: 'subscribe', topic: expect.any(String) })
      .reply((m) => ({ type: 'update', topic: (m as { topic: string }).topic, seq: 0 }));
    feed = new Feed(`${server.url}/feed`, 'prices');
  });

  afterEach(() => feed.close());

  it('subscribes and receives updates', async () => {
    const connection = await server.nextConnection();
    expect(connection.request.path).toBe('/feed');
    await expect(connection).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    connection.send({ type: 'update', topic: 'prices', seq: 1 });
    await eventually(() => expect(feed.updates).toHaveLength(2));
  });

  it('reconnects and resubscribes after the connection drops (1006)', async () => {
    const first = await server.nextConnection();
    await expect(first).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    first.drop();
    const second = await server.nextConnection();
    await expect(second).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    expect(feed.closeCodes).toEqual([1006]);
    expect(server).toHaveReceivedMessages([
      { type: 'subscribe', topic: 'prices' },
      { type: 'subscribe', topic: 'prices' },
    ]);
  });

  it('detects a stalled (half-open) server by its missing pongs, and reconnects', async () => {
    const first = await server.nextConnection();
    await expect(first).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    first.stall(); // the TCP connection stays up; nothing is read or answered
    const second = await server.nextConnection({ timeout: 5000 });
    await expect(second).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    expect(feed.closeCodes).toEqual([1006]);
    expect(first.transcript.some((e) => e.kind === 'stall')).toBe(true);
  });

  it('comes back after a server restart (1012), even if the first attempts are refused', async () => {
    await expect(await server.nextConnection()).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    server.refuseNext(2, 503);
    await server.restart();
    const again = await server.nextConnection();
    await expect(again).toReceiveMessage({ type: 'subscribe', topic: 'prices' });
    expect(feed.closeCodes[0]).toBe(1012);
    expect(server.handshakes.map((h) => h.status ?? h.outcome)).toEqual(['accepted', 503, 503, 'accepted']);
  });
});
