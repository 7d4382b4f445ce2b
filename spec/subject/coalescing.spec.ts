// The subject's flushes (after open, after a backpressure pause) ride on the Node WebSocket's
// write coalescing: a flush of many queued messages leaves in few writes to the TCP socket.
import type { Socket } from 'node:net';
import { writableOf, backpressure, WebSocket, webSocket } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { createTestServer, useTestServers } from 'rxws/testing';
import { until } from './helpers.js';

useTestServers();

/** Counts the writes that reach the TCP socket's handle of an rxws WebSocket, once it is open. */
function countWritesOnOpen(socket: WebSocket): { writes: number } {
  const counts = { writes: 0 };
  socket.addEventListener(
    'open',
    () => {
      const tcp = (getNodeControls(socket)!.raw as unknown as { _socket: Socket & { _writev: Function; _write: Function } })._socket;
      const writev = tcp._writev.bind(tcp);
      const write = tcp._write.bind(tcp);
      tcp._writev = (chunks: unknown[], cb: unknown) => (counts.writes++, writev(chunks, cb));
      tcp._write = (chunk: unknown, encoding: unknown, cb: unknown) => (counts.writes++, write(chunk, encoding, cb));
    },
    { once: true },
  );
  return counts;
}

describe('coalesced flushes of the subject', () => {
  it('sends the messages queued before open in one write', async () => {
    const server = await createTestServer();
    let counts: { writes: number } | undefined;
    const subject = webSocket<string, string>({
      url: server.url,
      serializer: (v) => v,
      deserializer: (e) => String(e.data),
      createWebSocket: (url, protocols) => {
        const socket = new WebSocket(url, protocols);
        counts = countWritesOnOpen(socket); // registered before the subject's own listeners
        return socket;
      },
    });
    const subscription = subject.subscribe();
    for (let i = 0; i < 200; i++) subject.next(`queued ${i}`);
    const connection = await server.nextConnection();
    await until(() => connection.messages.length === 200);
    expect(connection.messages).toEqual(Array.from({ length: 200 }, (_, i) => `queued ${i}`));
    expect(counts!.writes).toBe(1);
    subscription.unsubscribe();
  });

  it('drains the queue after a backpressure pause in far fewer writes than messages', async () => {
    const server = await createTestServer();
    let counts: { writes: number } | undefined;
    const subject = webSocket<Uint8Array, unknown>({
      url: server.url,
      serializer: (v) => v,
      deserializer: (e) => e.data,
      backpressure: backpressure({ highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024 }),
      createWebSocket: (url, protocols) => {
        const socket = new WebSocket(url, protocols);
        counts = countWritesOnOpen(socket);
        return socket;
      },
    });
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    const subscription = subject.subscribe();
    const connection = await server.nextConnection();
    await until(() => subject.state === 'open');
    connection.stopReading();
    const total = 1000; // 16 MiB: far more than the kernel buffers take on loopback
    for (let i = 0; i < total; i++) {
      const bytes = new Uint8Array(16 * 1024);
      bytes[0] = i & 0xff;
      bytes[1] = i >> 8;
      subject.next(bytes);
    }
    await until(() => writable.includes(false), 5000, 'the gate to close');
    const writesBeforeDrain = counts!.writes;
    const queued = subject.queueLength;
    expect(queued).toBeGreaterThan(100);
    connection.resumeReading();
    await until(() => connection.messages.length === total, 10_000, 'every message');
    const drainWrites = counts!.writes - writesBeforeDrain;
    expect(drainWrites).toBeLessThan(queued / 2);
    const order = connection.messages.map((m) => (m as Uint8Array)[0]! | ((m as Uint8Array)[1]! << 8));
    expect(order).toEqual(Array.from({ length: total }, (_, i) => i));
    subscription.unsubscribe();
  });
});
