// rxws/node stream adapters (issue 6): toAsyncIterable, toReadable, toWritable, with real servers.
import { writableOf, backpressure, webSocket, WebSocket, WebSocketCloseError, type WebSocketSubject } from 'rxws';
import { toAsyncIterable, toReadable, toWritable } from 'rxws/node';
import { createTestServer, useTestServers, type TestConnection } from 'rxws/testing';
import { delay, until, untilSteady } from '../helpers/client.js';
import { firstValueFrom } from 'rxjs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

useTestServers();

const KiB = 1024;
const MiB = 1024 * KiB;

function chunk(seq: number, size = 64 * KiB): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(seq, 0);
  return bytes;
}
const seqOf = (m: unknown) => Buffer.from(m as Uint8Array).readUInt32BE(0);

function bytesSubject(url: string): WebSocketSubject<Uint8Array | string, Buffer> {
  return webSocket<Uint8Array | string, Buffer>({ url, serializer: (x) => x, deserializer: (e) => e.data as Buffer, binaryType: 'nodebuffer' });
}

/** Sends `count` messages of `size` bytes from the server as fast as `ws` takes them. */
function flood(connection: TestConnection, count: number, size: number): void {
  for (let i = 0; i < count; i++) connection.raw.send(chunk(i, size));
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Waits (up to 5 s) until no more timers are active than `before`: the in-process server's side
 * of a connection may still be closing (its close timer pending) when the client is CLOSED. A
 * leaked timer outlives the wait, and the assertion after it fails.
 */
async function timersBackTo(before: number): Promise<void> {
  await until(() => timeouts() <= before, 5000).catch(() => undefined);
  expect(timeouts()).toBeLessThanOrEqual(before);
}

describe('toAsyncIterable', () => {
  it('a slow consumer pauses the socket: the client buffers a bounded number of messages while the server backs up (TCP), then everything arrives in order', async () => {
    const server = await createTestServer();
    const subject = bytesSubject(server.url);
    const messages = toAsyncIterable<Buffer>(subject, { highWaterMark: 8 });
    const total = 256;
    const size = 256 * KiB; // 64 MiB in all
    let maxBuffered = 0;
    let maxServerBuffered = 0;
    let received = 0;
    const consumed = (async () => {
      for await (const message of messages) {
        expect(seqOf(message)).toBe(received);
        received++;
        maxBuffered = Math.max(maxBuffered, messages.buffered);
        if (received < 20) await delay(25); // slow at first
        if (received === total) break;
      }
    })();
    const connection = await server.nextConnection();
    const sampler = setInterval(() => (maxServerBuffered = Math.max(maxServerBuffered, connection.raw.bufferedAmount)), 5);
    flood(connection, total, size);
    await consumed;
    clearInterval(sampler);
    expect(received).toBe(total);
    // The pause reached TCP: the server could not hand its data to the kernel.
    expect(maxServerBuffered).toBeGreaterThan(16 * MiB);
    // The client held at most the high-water mark plus what ws had already parsed.
    expect(maxBuffered).toBeLessThanOrEqual(8 + 4);
    const closed = await connection.waitForClose({ timeout: 5000 });
    expect(closed.code).toBe(1000); // break unsubscribed: the last subscriber left
  });

  it('breaking out of the loop unsubscribes and closes with 1000, leaving no listener or timer', async () => {
    const server = await createTestServer();
    const before = timeouts();
    const socket = new WebSocket(server.url, [], { binaryType: 'nodebuffer' });
    const messages = toAsyncIterable<string>(socket);
    const connection = await server.nextConnection();
    connection.send('a');
    connection.send('b');
    for await (const m of messages) {
      expect(m).toBe('a');
      break;
    }
    const closed = await connection.waitForClose();
    expect(closed.code).toBe(1000);
    await until(() => socket.readyState === WebSocket.CLOSED);
    await expect(messages.next()).resolves.toEqual({ done: true, value: undefined });
    await timersBackTo(before);
  });

  it('ends when the server closes with 1000, and throws the WebSocketCloseError for any other close', async () => {
    const server = await createTestServer();
    const done: unknown[] = [];
    for await (const m of (async function* () {
      const it = toAsyncIterable<string>(webSocket<string>({ url: server.url, deserializer: (e) => String(e.data) }));
      const connection = server.nextConnection().then((c) => {
        c.send('x');
        void c.close(1000);
      });
      yield* it;
      await connection;
    })()) done.push(m);
    expect(done).toEqual(['x']);

    const it = toAsyncIterable<string>(webSocket<string>({ url: server.url, deserializer: (e) => String(e.data) }));
    const first = it.next();
    const connection = await server.nextConnection();
    connection.send('y');
    await expect(first).resolves.toEqual({ done: false, value: 'y' });
    void connection.close(1011, 'oops');
    const error = await it.next().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect((error as WebSocketCloseError).code).toBe(1011);
  });

  it('validates its options', () => {
    const subject = webSocket('ws://127.0.0.1:1');
    expect(() => toAsyncIterable(subject, { highWaterMark: 0 })).toThrow(TypeError);
    expect(() => toAsyncIterable(subject, { highWaterMark: 4, lowWaterMark: 4 })).toThrow(/lowWaterMark/);
    expect(() => toAsyncIterable(subject, { highwaterMark: 4 } as never)).toThrow(/unknown option/);
    expect(() => toAsyncIterable({} as never)).toThrow(TypeError);
  });
});

describe('toReadable', () => {
  it('pipeline(toReadable(socket), transform, sink) with Node backpressure: a slow sink pauses the socket', async () => {
    const server = await createTestServer();
    const subject = bytesSubject(server.url);
    const total = 200;
    let maxServerBuffered = 0;
    let seen = 0;
    const readable = toReadable<Buffer>(subject, { highWaterMark: 8 });
    const connection = await server.nextConnection();
    const sampler = setInterval(() => (maxServerBuffered = Math.max(maxServerBuffered, connection.raw.bufferedAmount)), 5);
    flood(connection, total, 256 * KiB);
    const toSeq = new Transform({
      objectMode: true,
      transform(message: Buffer, _enc, cb) {
        cb(null, seqOf(message));
      },
    });
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 2,
      write(seq: number, _enc, cb) {
        expect(seq).toBe(seen);
        seen++;
        if (seen === total) {
          void connection.close(1000); // the server ends the stream
        }
        if (seen < 20) setTimeout(cb, 20);
        else cb();
      },
    });
    await pipeline(readable, toSeq, sink);
    clearInterval(sampler);
    expect(seen).toBe(total);
    expect(maxServerBuffered).toBeGreaterThan(16 * MiB);
  });

  it('an early exit in the pipeline destroys the Readable and closes the socket', async () => {
    const server = await createTestServer();
    const subject = bytesSubject(server.url);
    const readable = toReadable<Buffer>(subject);
    const connection = await server.nextConnection();
    flood(connection, 50, 1024);
    let taken = 0;
    await pipeline(readable, async function* (source: AsyncIterable<Buffer>) {
      for await (const m of source) {
        yield m;
        if (++taken === 5) return;
      }
    }, new Writable({ objectMode: true, write: (_c, _e, cb) => cb() }));
    expect(readable.destroyed).toBe(true);
    const closed = await connection.waitForClose();
    expect(closed.code).toBe(1000);
    expect(subject.observed).toBe(false);
  });

  it('a connection error destroys the Readable with the WebSocketCloseError', async () => {
    const server = await createTestServer();
    const readable = toReadable(bytesSubject(server.url));
    const connection = await server.nextConnection();
    connection.drop();
    const error = await pipeline(readable, new Writable({ objectMode: true, write: (_c, _e, cb) => cb() })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect((error as WebSocketCloseError).code).toBe(1006);
  });
});

describe('toWritable', () => {
  it('pipeline(source, toWritable(socket)) reads the source no faster than the network takes it, then everything arrives in order', async () => {
    const server = await createTestServer({ maxPayload: MiB });
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, backpressure: backpressure({ highWaterMark: 256 * KiB, lowWaterMark: 64 * KiB }) });
    const total = 600; // 37.5 MiB
    let pulled = 0;
    const source = Readable.from((function* () {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield chunk(i);
      }
    })());
    const writable = toWritable(subject);
    const connection = await server.nextConnection();
    connection.stopReading();
    let finished = false;
    const done = pipeline(source, writable).then(() => (finished = true));
    done.catch(() => undefined); // awaited below; a failed check before then must not add the teardown's 1001
    // The stall is reached when nothing moves any more (the server reads nothing, the kernel buffers are full).
    await until(() => pulled > 0 && subject.bufferedAmount > 0);
    await untilSteady(() => [pulled, subject.bufferedAmount], 200, 10_000, 'the pipeline to stall');
    const pulledWhileStopped = pulled;
    await delay(100); // a quiet window is the behaviour under test: nothing more is pulled while stalled
    expect(pulled).toBeLessThan(total);
    expect(pulled - pulledWhileStopped).toBeLessThanOrEqual(1);
    expect(subject.bufferedAmount).toBeLessThanOrEqual(256 * KiB + 64 * KiB);
    expect(subject.queueLength).toBe(0);
    expect(finished).toBe(false);
    connection.resumeReading();
    await done;
    await until(() => connection.messages.length === total);
    expect(connection.messages.map(seqOf)).toEqual(Array.from({ length: total }, (_, i) => i));
    const closed = await connection.waitForClose();
    expect(closed.code).toBe(1000); // the Writable was the last subscriber
  });

  it.each([
    // Stalled by the Writable's own budget, the gate (1 MiB / 256 KiB) stays open; stalled by the
    // gate alone, it is closed, so more than its low-water mark is in flight (how much more depends on
    // how much the kernel took after the gate closed: anything up to the high-water mark).
    ['the default maxBufferedAmount (64 KiB)', undefined, 0, 128 * KiB, true],
    ['maxBufferedAmount: Infinity (the send gate alone)', Infinity, 256 * KiB + 1, MiB + 64 * KiB, false],
  ] as const)('with %s, a stalled pipeline keeps that much in flight', async (_label, maxBufferedAmount, atLeast, atMost, gateOpen) => {
    const server = await createTestServer({ maxPayload: MiB });
    // The subject's gate at its default (1 MiB): the Writable's own budget is what holds first.
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, backpressure: backpressure() });
    const total = 600; // 37.5 MiB, far more than the kernel's socket buffers take
    let pulled = 0;
    const source = Readable.from((function* () {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield chunk(i);
      }
    })());
    const writable = toWritable(subject, maxBufferedAmount === undefined ? {} : { maxBufferedAmount });
    const connection = await server.nextConnection();
    connection.stopReading();
    const done = pipeline(source, writable);
    done.catch(() => undefined); // awaited below; a failed check before then must not add the teardown's 1001
    await until(() => pulled > 0 && subject.bufferedAmount > 0);
    // The stall is reached when nothing moves any more (the server reads nothing, the kernel buffers are full).
    await untilSteady(() => [pulled, subject.bufferedAmount], 200, 10_000, 'the pipeline to stall');
    const stalledAt = pulled;
    await delay(100); // a quiet window is the behaviour under test: nothing more is pulled while stalled
    expect(pulled).toBe(stalledAt);
    expect(await firstValueFrom(writableOf(subject))).toBe(gateOpen);
    expect(pulled).toBeLessThan(total);
    expect(subject.bufferedAmount).toBeGreaterThanOrEqual(atLeast);
    expect(subject.bufferedAmount).toBeLessThanOrEqual(atMost);
    connection.resumeReading();
    await done;
    await until(() => connection.messages.length === total);
    expect(connection.messages.map(seqOf)).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('validates maxBufferedAmount', () => {
    const subject = webSocket<string>({ url: 'ws://127.0.0.1:9', serializer: (x) => x });
    for (const bad of [-1, Number.NaN, '64k', null]) {
      expect(() => toWritable(subject, { maxBufferedAmount: bad as never })).toThrow(/maxBufferedAmount/);
    }
  });

  it('closeOnFinish: true closes the connection even with other subscribers, and finishes once closed', async () => {
    const server = await createTestServer();
    const subject = webSocket<string>({ url: server.url, serializer: (x) => x });
    subject.subscribe({ error: () => undefined });
    await pipeline(Readable.from(['a', 'b']), toWritable(subject, { closeOnFinish: true }));
    expect(subject.state).toBe('closed');
    const connection = server.connections[0]!;
    expect(connection.messages).toEqual(['a', 'b']);
    expect((await connection.waitForClose()).code).toBe(1000);
  });

  it('an error in the source fails the pipeline, closes the socket and leaves nothing behind', async () => {
    const server = await createTestServer();
    const before = timeouts();
    const socket = new WebSocket(server.url);
    const accepted = server.nextConnection();
    const source = Readable.from((async function* () {
      yield 'one';
      // Fail once 'one' has arrived, i.e. on an open connection (a fixed delay raced the handshake).
      await (await accepted).nextMessage();
      throw new Error('source broke');
    })());
    const failure = pipeline(source, toWritable(socket));
    const connection = await accepted;
    await expect(failure).rejects.toThrow('source broke');
    const closed = await connection.waitForClose();
    expect(closed.code).toBe(1000);
    expect(connection.messages).toEqual(['one']);
    await until(() => socket.readyState === WebSocket.CLOSED);
    await timersBackTo(before);
  });

  it('the connection closing before the end fails the pipeline with a WebSocketCloseError', async () => {
    const server = await createTestServer({ maxPayload: MiB });
    const subject = webSocket<Uint8Array>({ url: server.url, serializer: (x) => x });
    const source = Readable.from((function* () {
      for (let i = 0; ; i++) yield chunk(i);
    })());
    const failure = pipeline(source, toWritable(subject));
    const connection = await server.nextConnection();
    connection.stopReading();
    await until(() => subject.bufferedAmount > 0, 5000, 'the pipeline to be writing'); // closed mid-stream
    void connection.close(1001, 'bye');
    connection.resumeReading();
    const error = await failure.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect((error as WebSocketCloseError).code).toBe(1001);
    expect(source.destroyed).toBe(true);
  });
});
