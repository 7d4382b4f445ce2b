// The send gate of WebSocketSubject (issue 6): `backpressure` watermarks on bufferedAmount,
// writable$ / bufferedAmount$, complete() under gating, the browser polling path.
import { sendGateOf } from '../../lib/subject/send-gate.js';
import { bufferedAmountOf, writableOf, backpressure, webSocket, DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK, type WebSocketSubject, type DroppedMessage } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { createTestServer, createMemoryWebSocket, useTestServers, type TestConnection } from 'rxws/testing';
import { firstValueFrom, filter } from 'rxjs';
import { until, delay } from './helpers.js';
import { untilSteady } from '../helpers/client.js';

useTestServers();

const KiB = 1024;
const identity = (x: Uint8Array | string) => x;

/** A 64 KiB message whose first 4 bytes are its sequence number. */
function chunk(seq: number, size = 64 * KiB): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, seq);
  return bytes;
}
const seqOf = (m: unknown) => new DataView((m as Uint8Array).buffer, (m as Uint8Array).byteOffset).getUint32(0);

async function openSubject(config: Record<string, unknown> = {}) {
  const server = await createTestServer({ maxPayload: 1024 * KiB });
  const subject: WebSocketSubject<Uint8Array | string, unknown> = webSocket<Uint8Array | string, unknown>({
    url: server.url,
    serializer: identity,
    deserializer: (e) => e.data,
    ...config,
  });
  const subscription = subject.subscribe({ error: () => undefined });
  const connection = await server.nextConnection();
  await firstValueFrom(subject.state$.pipe(filter((s) => s === 'open')));
  return { server, subject, subscription, connection };
}

/** Waits until the server has `count` messages on `connection`, then checks they are 0..count-1 in order. */
// Tens of MiB through an in-process server: seconds on a loaded 2-core machine.
async function expectInOrder(connection: TestConnection, count: number, timeout = 15_000): Promise<void> {
  await until(() => connection.messages.length >= count, timeout, `${count} messages`);
  const seqs = connection.messages.map(seqOf);
  expect(seqs.length).toBe(count);
  for (let i = 0; i < count; i++) if (seqs[i] !== i) throw new Error(`message ${i} has sequence ${seqs[i]}`);
}

describe('send gate on bufferedAmount', () => {
  it('a server that stops reading: writable$ goes false, next() queues, bufferedAmount stays near the high-water mark; resuming drains in order', async () => {
    const high = 256 * KiB;
    const { subject, connection, subscription } = await openSubject({ backpressure: backpressure({ highWaterMark: high, lowWaterMark: 64 * KiB }), queue: { limit: Infinity } });
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    expect(writable).toEqual([true]);
    connection.stopReading();
    const total = 480; // 30 MiB: well past what the kernel buffers on loopback
    let maxBuffered = 0;
    for (let i = 0; i < total; i++) {
      subject.next(chunk(i));
      maxBuffered = Math.max(maxBuffered, subject.bufferedAmount);
      if (i % 16 === 15) await delay(1); // let writes complete (the kernel buffers fill up)
    }
    // The stall: nothing moves any more (the server reads nothing, the kernel buffers are full).
    await untilSteady(() => [subject.bufferedAmount, subject.queueLength], 200, 10_000, 'the gated socket to stall');
    expect(writable.at(-1)).toBe(false);
    expect(subject.queueLength).toBeGreaterThan(0);
    // The gate never let the socket hold much more than the high-water mark.
    expect(maxBuffered).toBeLessThanOrEqual(high + 64 * KiB);
    expect(subject.bufferedAmount).toBeGreaterThan(64 * KiB);
    connection.resumeReading();
    await expectInOrder(connection, total);
    await until(() => subject.queueLength === 0 && subject.bufferedAmount === 0);
    expect(writable.at(-1)).toBe(true);
    subscription.unsubscribe();
  }, 60_000);

  it('complete() under gating waits until the queue has gone out, then closes with 1000', async () => {
    const { subject, connection } = await openSubject({ backpressure: backpressure({ highWaterMark: 128 * KiB, lowWaterMark: 0 }), queue: { limit: Infinity } });
    connection.stopReading();
    const total = 400;
    for (let i = 0; i < total; i++) {
      subject.next(chunk(i));
      if (i % 16 === 15) await delay(1);
    }
    await untilSteady(() => [subject.bufferedAmount, subject.queueLength], 200, 10_000, 'the gated socket to stall');
    expect(subject.queueLength).toBeGreaterThan(0);
    subject.complete();
    // A quiet window is the behaviour under test: no close while the queue is still there. The
    // client's own state says so (the server, not reading, would not see a close frame yet).
    await delay(30);
    expect(subject.state).toBe('open');
    expect(subject.queueLength).toBeGreaterThan(0);
    expect(connection.isOpen).toBe(true); // still draining
    connection.resumeReading();
    await expectInOrder(connection, total);
    const closed = await connection.waitForClose({ timeout: 3000 });
    expect(closed.code).toBe(1000);
  }, 60_000);

  it('while gated the queue keeps its bound and overflow policy; drops are reported on dropped$', async () => {
    const { subject, connection, subscription } = await openSubject({ backpressure: backpressure({ highWaterMark: 64 * KiB }), queue: { limit: 10, overflow: 'drop-newest' } });
    const dropped: DroppedMessage[] = [];
    subject.dropped$.subscribe((d) => dropped.push(d));
    connection.stopReading();
    let i = 0;
    while (dropped.length === 0 && i < 2000) {
      subject.next(chunk(i++));
      if (i % 16 === 0) await delay(1);
    }
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]!.reason).toBe('overflow');
    expect(subject.queueLength).toBe(10);
    connection.resumeReading();
    subscription.unsubscribe();
  });

  it('writable$ resets to true when the gated connection ends, and works again on the next one', async () => {
    const { server, subject, connection, subscription } = await openSubject({ backpressure: backpressure({ highWaterMark: 64 * KiB }), queue: { limit: Infinity } });
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    connection.stopReading();
    for (let i = 0; i < 300 && writable.at(-1) !== false; i++) {
      subject.next(chunk(i));
      if (i % 16 === 15) await delay(1);
    }
    expect(writable.at(-1)).toBe(false);
    connection.drop();
    await until(() => subject.state === 'closed');
    expect(writable.at(-1)).toBe(true);
    expect(subject.bufferedAmount).toBe(0);
    subscription.unsubscribe();
    subject.clearQueue();
    subject.subscribe({ error: () => undefined });
    const second = await server.nextConnection();
    await firstValueFrom(subject.state$.pipe(filter((s) => s === 'open')));
    subject.next('hello');
    await expect(second.nextMessage()).resolves.toBe('hello');
    subject.close();
  });

  it('bufferedAmount$ replays the current value, follows write completions on Node and is passive', async () => {
    const server = await createTestServer();
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, deserializer: (e) => e.data });
    const seen: number[] = [];
    const monitor = bufferedAmountOf(subject).subscribe((b) => seen.push(b));
    expect(seen).toEqual([0]);
    await delay(20); // a quiet window is the behaviour under test: monitoring opens no connection
    expect(server.connections.length).toBe(0); // passive: no connection opened
    subject.subscribe({ error: () => undefined });
    const connection = await server.nextConnection();
    await firstValueFrom(subject.state$.pipe(filter((s) => s === 'open')));
    connection.stopReading();
    for (let i = 0; i < 200; i++) {
      subject.next(chunk(i));
      if (i % 16 === 15) await delay(1);
    }
    await until(() => seen.some((b) => b > 0));
    connection.resumeReading();
    await until(() => seen.at(-1) === 0 && subject.bufferedAmount === 0);
    // Emits changes only (no repeats).
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    monitor.unsubscribe();
    subject.close();
  });

  it('backpressure: false never gates', async () => {
    const { subject, connection, subscription } = await openSubject({ backpressure: false });
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    connection.stopReading();
    for (let i = 0; i < 300; i++) subject.next(chunk(i));
    expect(subject.queueLength).toBe(0);
    expect(writable).toEqual([true]);
    connection.resumeReading();
    await expectInOrder(connection, 300);
    subscription.unsubscribe();
  });

  it('on rxws\'s Node WebSocket it wakes on write completion: no timer while gated', async () => {
    const { subject, connection, subscription } = await openSubject({ backpressure: backpressure({ highWaterMark: 64 * KiB }), queue: { limit: Infinity } });
    connection.stopReading();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    // Counted once steady: the previous test's closing sockets may still start or end a timer.
    await untilSteady(() => [timers()], 50, 5000, 'steady timers');
    const before = timers();
    for (let i = 0; i < 300; i++) {
      subject.next(chunk(i));
      if (i % 16 === 15) await delay(1);
    }
    expect(subject.queueLength).toBeGreaterThan(0);
    const gate = sendGateOf(subject);
    expect(gate.polling).toBe(false);
    // A transient timer elsewhere (the kit, a closing socket) goes; a poll timer would stay while gated.
    await until(() => timers() <= before, 5000).catch(() => undefined);
    expect(timers()).toBeLessThanOrEqual(before);
    connection.resumeReading();
    await expectInOrder(connection, 300);
    subscription.unsubscribe();
  });
});

describe('send gate where there is no drain event (the browser path)', () => {
  afterEach(() => jest.useRealTimers());

  it('polls bufferedAmount only while gated, and stops polling when not', () => {
    jest.useFakeTimers();
    const { controller } = createMemoryWebSocket();
    const subject = webSocket<string>({
      url: 'ws://memory/feed',
      createWebSocket: controller.factory,
      serializer: (x) => x,
      deserializer: (e) => e.data as string,
      backpressure: backpressure({ highWaterMark: 1000, lowWaterMark: 100, pollInterval: 10 }),
    });
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    subject.subscribe();
    const peer = controller.last!;
    peer.open();
    expect(getNodeControls(peer.socket)).toBeUndefined();
    subject.next('a');
    expect(jest.getTimerCount()).toBe(0); // not gated: no timer
    peer.setBufferedAmount(5000);
    subject.next('b'); // written, and now above the high-water mark
    expect(writable).toEqual([true, false]);
    expect(jest.getTimerCount()).toBe(1);
    subject.next('c');
    subject.next('d');
    expect(peer.sent).toEqual(['a', 'b']);
    expect(subject.queueLength).toBe(2);
    jest.advanceTimersByTime(50);
    expect(peer.sent).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(1); // still polling while gated
    peer.setBufferedAmount(500); // below high but above low: still gated (hysteresis)
    jest.advanceTimersByTime(20);
    expect(peer.sent).toEqual(['a', 'b']);
    peer.setBufferedAmount(100);
    jest.advanceTimersByTime(10);
    expect(peer.sent).toEqual(['a', 'b', 'c', 'd']);
    expect(writable).toEqual([true, false, true]);
    expect(jest.getTimerCount()).toBe(0); // polling stopped
    subject.next('e');
    expect(peer.sent.at(-1)).toBe('e');
    expect(jest.getTimerCount()).toBe(0);
    subject.close();
    peer.close();
  });

  it('a connection that closes while gated stops the poll', () => {
    jest.useFakeTimers();
    const { controller } = createMemoryWebSocket({ closeHandshake: 'auto' });
    const subject = webSocket<string>({ url: 'ws://memory/x', createWebSocket: controller.factory, serializer: (x) => x, backpressure: backpressure({ highWaterMark: 10 }) });
    subject.subscribe({ error: () => undefined });
    const peer = controller.last!;
    peer.open();
    peer.setBufferedAmount(100);
    subject.next('x');
    expect(jest.getTimerCount()).toBe(1);
    peer.fail();
    expect(jest.getTimerCount()).toBe(0);
    expect(subject.state).toBe('closed');
  });
});

describe('backpressure option', () => {
  it('defaults to 1 MiB / 256 KiB', () => {
    expect(DEFAULT_HIGH_WATER_MARK).toBe(1024 * 1024);
    expect(DEFAULT_LOW_WATER_MARK).toBe(256 * 1024);
  });

  it.each([
    [{ highWaterMark: -1 }, /backpressure\.highWaterMark/],
    [{ lowWaterMark: Number.NaN }, /backpressure\.lowWaterMark/],
    [{ highWaterMark: 10, lowWaterMark: 20 }, /must not exceed/],
    [{ highWaterMark: '1mb' }, /backpressure\.highWaterMark/],
    [{ pollInterval: 0 }, /pollInterval/],
    [{ highwaterMark: 1 }, /unknown backpressure option 'highwaterMark'/],
    [true, /'backpressure' must be an object/],
  ])('backpressure(%p) throws a TypeError', (options, message) => {
    expect(() => backpressure(options as never)).toThrow(TypeError);
    expect(() => backpressure(options as never)).toThrow(message);
  });

  it.each([[{ highWaterMark: 1 }], [true], [{}]])("webSocket({ backpressure: %p }) (the earlier spelling) says to use backpressure()", (value) => {
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', backpressure: value } as never)).toThrow(TypeError);
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', backpressure: value } as never)).toThrow(/'backpressure' must be made by backpressure\(\) or false \(see docs\/migration\.md\)/);
  });

  it('accepts a low-water mark alone when it is under the default high one, and Infinity', () => {
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', backpressure: backpressure({ lowWaterMark: 0 }) })).not.toThrow();
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', backpressure: backpressure({ highWaterMark: Infinity }) })).not.toThrow();
    expect(() => webSocket({ url: 'ws://127.0.0.1:1', backpressure: backpressure({ highWaterMark: 100 }) })).not.toThrow(); // low defaults to min(256 KiB, high)
  });
});
