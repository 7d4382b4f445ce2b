// gate() and sendAll() (issue 6): sources paced by the send gate, against real servers.
import { writableOf, backpressure, webSocket, gate, sendAll, WebSocket, WebSocketCloseError, type WebSocketSubject } from 'rxws';
import { createMemoryWebSocket, createTestServer, useTestServers, type TestConnection } from 'rxws/testing';
import { sendGateOf } from '../../lib/subject/send-gate.js';
import { delay, until, untilSteady } from '../helpers/client.js';
import { filter, firstValueFrom, from, lastValueFrom, Subject } from 'rxjs';
import { Readable } from 'node:stream';

useTestServers();

const KiB = 1024;

function chunk(seq: number, size = 64 * KiB): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, seq);
  return bytes;
}
const seqOf = (m: unknown) => new DataView((m as Uint8Array).buffer, (m as Uint8Array).byteOffset).getUint32(0);

// Tens of MiB through an in-process server: seconds on a loaded 2-core machine.
async function expectInOrder(connection: TestConnection, count: number, timeout = 15_000): Promise<void> {
  await until(() => connection.messages.length >= count, timeout, `${count} messages`);
  const seqs = connection.messages.map(seqOf);
  expect(seqs.length).toBe(count);
  for (let i = 0; i < count; i++) if (seqs[i] !== i) throw new Error(`message ${i} has sequence ${seqs[i]}`);
}

const HIGH = 256 * KiB;

async function openSubject() {
  const server = await createTestServer({ maxPayload: 1024 * KiB });
  const subject: WebSocketSubject<Uint8Array, unknown> = webSocket<Uint8Array, unknown>({
    url: server.url,
    serializer: (x) => x,
    deserializer: (e) => e.data,
    backpressure: backpressure({ highWaterMark: HIGH, lowWaterMark: 64 * KiB }),
  });
  const subscription = subject.subscribe({ error: () => undefined });
  const connection = await server.nextConnection();
  await firstValueFrom(subject.state$.pipe(filter((s) => s === 'open')));
  return { server, subject, subscription, connection };
}

describe('gate()', () => {
  it('from(largeArray).pipe(gate(subject)) lets values through only while writable; bufferedAmount stays near the high-water mark; resuming sends the rest in order', async () => {
    const { subject, connection, subscription } = await openSubject();
    connection.stopReading();
    const total = 600; // 37.5 MiB
    const values = Array.from({ length: total }, (_, i) => i);
    let passed = 0;
    let maxBuffered = 0;
    let completed = false;
    const writable: boolean[] = [];
    writableOf(subject).subscribe((w) => writable.push(w));
    from(values)
      .pipe(gate(subject))
      .subscribe({
        next: (i) => {
          passed++;
          subject.next(chunk(i));
          maxBuffered = Math.max(maxBuffered, subject.bufferedAmount);
        },
        complete: () => (completed = true),
      });
    // The stall: the gate closed, then nothing moves any more (the server reads nothing).
    await until(() => writable.includes(false), 5000, 'the gate to close');
    await untilSteady(() => [passed, subject.bufferedAmount], 200, 10_000, 'the source to stall');
    const passedWhileStopped = passed;
    expect(writable).toContain(false);
    expect(passedWhileStopped).toBeLessThan(total); // the source waits
    expect(subject.queueLength).toBe(0); // nothing was pushed into the subject's queue
    expect(maxBuffered).toBeLessThanOrEqual(HIGH + 64 * KiB);
    expect(completed).toBe(false);
    await delay(100); // a quiet window is the behaviour under test: nothing more passes while stalled
    expect(passed).toBe(passedWhileStopped); // still waiting, not trickling
    connection.resumeReading();
    await expectInOrder(connection, total);
    expect(completed).toBe(true);
    subscription.unsubscribe();
    await connection.waitForClose();
  }, 60_000);

  it('pulls an async generator given directly no faster than the network takes it, and stops it on unsubscribe', async () => {
    const { subject, connection, subscription } = await openSubject();
    connection.stopReading();
    let pulled = 0;
    let finalized = false;
    async function* produce() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield chunk(i);
        }
      } finally {
        finalized = true;
      }
    }
    const sub = gate<Uint8Array>(subject)(produce()).subscribe((c) => subject.next(c));
    await until(() => pulled > 0);
    await untilSteady(() => [pulled, subject.bufferedAmount], 200, 10_000, 'the generator to stall');
    const pulledWhileStopped = pulled;
    expect(pulledWhileStopped).toBeLessThan(1000); // bounded by the kernel buffers + high-water mark, not infinite
    await delay(100); // a quiet window is the behaviour under test: nothing more is pulled while stalled
    expect(pulled).toBeLessThanOrEqual(pulledWhileStopped + 1);
    expect(subject.bufferedAmount).toBeLessThanOrEqual(HIGH + 64 * KiB);
    connection.resumeReading();
    await until(() => pulled > pulledWhileStopped + 50);
    sub.unsubscribe();
    await until(() => finalized, 5000, 'the generator to be finalized');
    subscription.unsubscribe();
    await connection.waitForClose({ timeout: 5000 });
  });

  it('pulls a Node Readable given directly, and destroys it on unsubscribe', async () => {
    const { subject, connection, subscription } = await openSubject();
    connection.stopReading();
    let read = 0;
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 4,
      read() {
        this.push(chunk(read++));
      },
    });
    const sub = gate<Uint8Array>(subject)(readable).subscribe((c) => subject.next(c));
    await until(() => read > 0);
    await untilSteady(() => [read, subject.bufferedAmount], 200, 10_000, 'the Readable to stall');
    const readWhileStopped = read;
    await delay(100); // a quiet window is the behaviour under test: nothing more is read while stalled
    expect(read).toBeLessThanOrEqual(readWhileStopped + 5); // the Readable's own read-ahead (highWaterMark 4) at most
    sub.unsubscribe();
    await until(() => readable.destroyed);
    connection.resumeReading();
    subscription.unsubscribe();
    await connection.waitForClose({ timeout: 5000 });
  });

  it('waits for the connection: values given before any connection are let through once it opens', async () => {
    const server = await createTestServer();
    const subject = webSocket<string>({ url: server.url });
    const sent: string[] = [];
    from(['a', 'b', 'c'])
      .pipe(gate(subject))
      .subscribe((v) => {
        sent.push(v);
        subject.next(v);
      });
    await delay(20); // a quiet window is the behaviour under test: nothing passes with no connection (none is opened)
    expect(sent).toEqual([]);
    expect(subject.queueLength).toBe(0);
    subject.subscribe();
    const connection = await server.nextConnection();
    await until(() => connection.messages.length === 3);
    expect(connection.messages).toEqual(['"a"', '"b"', '"c"']);
    subject.close();
    await connection.waitForClose();
  });

  it('accepts a raw WebSocket: waits for open, paces on its bufferedAmount, errors when it closes', async () => {
    const server = await createTestServer({ maxPayload: 1024 * KiB });
    const socket = new WebSocket(server.url);
    let passed = 0;
    let error: unknown;
    gate<number>(socket, { highWaterMark: 128 * KiB, lowWaterMark: 0 })(Array.from({ length: 2000 }, (_, i) => i)).subscribe({
      next: (i) => {
        passed++;
        socket.send(chunk(i));
      },
      error: (e: unknown) => (error = e),
    });
    expect(passed).toBe(0); // CONNECTING
    const connection = await server.nextConnection();
    connection.stopReading();
    await until(() => passed > 0);
    await untilSteady(() => [passed, socket.bufferedAmount], 200, 10_000, 'the source to stall');
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(2000);
    expect(socket.bufferedAmount).toBeLessThanOrEqual(128 * KiB + 64 * KiB);
    connection.drop();
    await until(() => error !== undefined);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect((error as WebSocketCloseError).code).toBe(1006);
  });

  it('rejects what is not a socket, and bad options', () => {
    expect(() => gate({} as never)).toThrow(TypeError);
    const subject = webSocket('ws://127.0.0.1:1');
    expect(() => gate(subject, { highWaterMark: 1, lowWaterMark: 2 })).toThrow(/must not exceed/);
  });
});

describe('sendAll()', () => {
  it('sends a whole source and emits the count once all of it was written (bufferedAmount back to 0)', async () => {
    const server = await createTestServer({ maxPayload: 1024 * KiB });
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, deserializer: (e) => e.data, backpressure: backpressure() });
    const watcher = subject.subscribe({ error: () => undefined });
    const connection = await server.nextConnection();
    connection.stopReading();
    let done = false;
    const count$ = lastValueFrom(sendAll(subject, (function* () {
      for (let i = 0; i < 300; i++) yield chunk(i);
    })()));
    void count$.then(() => (done = true));
    // Stalled: the gate closed (300 chunks are far more than the kernel buffers take), nothing moves.
    await firstValueFrom(writableOf(subject).pipe(filter((w) => !w)));
    await untilSteady(() => [subject.bufferedAmount], 200, 10_000, 'sendAll to stall');
    expect(done).toBe(false);
    connection.resumeReading();
    await expect(count$).resolves.toBe(300);
    expect(subject.bufferedAmount).toBe(0);
    await expectInOrder(connection, 300);
    watcher.unsubscribe();
    await connection.waitForClose();
  });

  it('on a subject without the backpressure option, sendAll() paces by the default watermarks alone: next() is never held back', async () => {
    const server = await createTestServer({ maxPayload: 1024 * KiB });
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, deserializer: (e) => e.data });
    const watcher = subject.subscribe({ error: () => undefined });
    const connection = await server.nextConnection();
    connection.stopReading();
    const count$ = lastValueFrom(sendAll(subject, (function* () {
      for (let i = 0; i < 300; i++) yield chunk(i);
    })()));
    await until(() => subject.bufferedAmount > 0);
    await untilSteady(() => [subject.bufferedAmount], 200, 10_000, 'sendAll to stall');
    // Paced: no more than the default high-water mark (1 MiB) and the chunk that crossed it.
    expect(subject.bufferedAmount).toBeLessThanOrEqual(1024 * KiB + 64 * KiB);
    expect(await firstValueFrom(writableOf(subject))).toBe(true); // the subject's own next() is not gated
    const before = subject.bufferedAmount;
    subject.next(chunk(1000, 1024));
    expect(subject.queueLength).toBe(0);
    expect(subject.bufferedAmount).toBeGreaterThan(before); // written at once, past the gate sendAll paces by
    connection.resumeReading();
    await expect(count$).resolves.toBe(300);
    watcher.unsubscribe();
    await connection.waitForClose();
  });

  it('sendAll(subject, source) opens a connection for the duration and releases it (1000) at the end', async () => {
    const server = await createTestServer();
    const subject = webSocket<string>({ url: server.url, serializer: (x) => x });
    await expect(lastValueFrom(sendAll(subject, ['x', 'y', 'z']))).resolves.toBe(3);
    const connection = server.connections[0]!;
    const closed = await connection.waitForClose();
    expect(closed.code).toBe(1000);
    expect(connection.messages).toEqual(['x', 'y', 'z']);
  });

  it('errors with a WebSocketCloseError when the connection closes before everything is written', async () => {
    const server = await createTestServer({ maxPayload: 1024 * KiB });
    const subject = webSocket<Uint8Array, unknown>({ url: server.url, serializer: (x) => x, deserializer: (e) => e.data });
    const result = lastValueFrom(sendAll(subject, from(Array.from({ length: 1000 }, (_, i) => chunk(i)))));
    const connection = await server.nextConnection();
    connection.stopReading();
    await until(() => subject.bufferedAmount > 0, 5000, 'sendAll to be writing'); // dropped mid-stream
    connection.drop();
    await expect(result).rejects.toBeInstanceOf(WebSocketCloseError);
    await until(() => subject.state === 'closed');
  });

  it('works on a raw WebSocket', async () => {
    const server = await createTestServer();
    const socket = new WebSocket(server.url);
    await expect(lastValueFrom(sendAll(socket, ['1', '2']))).resolves.toBe(2);
    const connection = await server.nextConnection();
    await until(() => connection.messages.length === 2);
    expect(connection.messages).toEqual(['1', '2']);
    socket.close();
    await connection.waitForClose();
  });
});

describe('gate() on a subject without the backpressure option (its own pacer)', () => {
  afterEach(() => jest.useRealTimers());

  /** A subject on an open memory socket (fake timers: its poll is driven by the test), and gate() over a Subject that sends what it lets through. */
  function pacedOnMemorySocket() {
    jest.useFakeTimers();
    const { controller } = createMemoryWebSocket();
    const subject = webSocket<string>({ url: 'ws://memory/gate', createWebSocket: controller.factory, serializer: (x) => x, deserializer: (e) => e.data as string });
    subject.subscribe({ error: () => undefined });
    const peer = controller.last!;
    peer.open();
    const source = new Subject<string>();
    const sent: string[] = [];
    const paced = gate<string>(subject)(source).subscribe((value) => {
      subject.next(value);
      sent.push(value);
    });
    return { controller, subject, peer, source, sent, paced };
  }

  it('each close and reopen of the pacer leaves no waiter behind on the subject', () => {
    const { controller, subject, peer, source, sent, paced } = pacedOnMemorySocket();
    for (let cycle = 0; cycle < 20; cycle++) {
      peer.setBufferedAmount(2 * 1024 * 1024); // above the default high-water mark: the pacer closes
      source.next(`a${cycle}`);
      source.next(`b${cycle}`); // held
      expect(sent.at(-1)).toBe(`a${cycle}`);
      peer.setBufferedAmount(0);
      jest.advanceTimersByTime(20); // the poll sees it fall: the pacer reopens, b goes
      expect(sent.at(-1)).toBe(`b${cycle}`);
    }
    expect(sendGateOf(subject).waiting).toBeLessThanOrEqual(1);
    paced.unsubscribe();
    expect(sendGateOf(subject).waiting).toBe(0);
    subject.close();
  });

  it('a pacer closed on a connection that then ends stops polling that socket, and opens on the next connection', () => {
    const { controller, subject, peer: first, source, sent, paced } = pacedOnMemorySocket();
    first.setBufferedAmount(2 * 1024 * 1024);
    source.next('a');
    source.next('b'); // held by the pacer, which polls the socket
    expect(jest.getTimerCount()).toBe(1);
    first.fail(); // the connection ends with bytes still buffered
    jest.advanceTimersByTime(20);
    expect(jest.getTimerCount()).toBe(0); // no poll left on the dead socket
    subject.subscribe({ error: () => undefined });
    const second = controller.last!;
    second.open(); // a new connection: the producer may go on
    expect(sent).toEqual(['a', 'b']);
    paced.unsubscribe();
    subject.close();
  });
});
