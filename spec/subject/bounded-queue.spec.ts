// Queues bounded by bytes and age, and volatile messages (issue #19 item 4), on real servers
// (rxws/testing); ages on Jest's fake timers (the kit's waits run on real time).
import { webSocket, QueueOverflowError, type DroppedMessage } from 'rxws';
import { boundQueue, volatile } from 'rxws/queue';
import { createTestServer, useTestServers } from 'rxws/testing';
import { byteSize } from '../../lib/queue/bounded-queue.js';
import { record, until } from './helpers.js';

useTestServers();

/** Records a subject's dropped$ as [data, reason] pairs. */
function drops(subject: { dropped$: import('rxjs').Observable<DroppedMessage> }): Array<[unknown, string]> {
  const seen: Array<[unknown, string]> = [];
  subject.dropped$.subscribe((d) => seen.push([d.data, d.reason]));
  return seen;
}

describe('maxBytes', () => {
  test("drop-oldest: the oldest go until the new one fits ('overflow'); the rest is sent in order", async () => {
    const server = await createTestServer({ json: true });
    const ws$ = boundQueue(webSocket<string>({ url: server.url }), { maxBytes: 10 });
    const dropped = drops(ws$);
    ws$.next('aaaa'); // "aaaa": 6 bytes
    ws$.next('bb'); //   "bb":   4 bytes → 10
    ws$.next('c'); //    "c":    3 bytes → the oldest goes
    expect(dropped).toEqual([['"aaaa"', 'overflow']]);
    expect(ws$.queueLength).toBe(2);
    const r = record(ws$);
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('bb');
    await expect(connection.nextMessage()).resolves.toBe('c');
    r.subscription.unsubscribe();
  });

  test("drop-newest keeps what it has; 'error' throws QueueOverflowError; a message over maxBytes alone never fits", () => {
    const newest = boundQueue(webSocket<string>({ url: 'ws://127.0.0.1:1', queue: { overflow: 'drop-newest' } }), { maxBytes: 8 });
    const newestDrops = drops(newest);
    newest.next('abcd'); // 6
    newest.next('ef'); //   4: over
    expect(newestDrops).toEqual([['"ef"', 'overflow']]);
    expect(newest.clearQueue()).toEqual(['"abcd"']);

    const strict = boundQueue(webSocket<string>({ url: 'ws://127.0.0.1:1', queue: { overflow: 'error' } }), { maxBytes: 8 });
    strict.next('abcd');
    expect(() => strict.next('ef')).toThrow(QueueOverflowError);
    expect(strict.queueLength).toBe(1);

    const oldest = boundQueue(webSocket<string>({ url: 'ws://127.0.0.1:1' }), { maxBytes: 8 });
    const oldestDrops = drops(oldest);
    oldest.next('ab');
    oldest.next('x'.repeat(20)); // can never fit: dropped, the queue kept
    expect(oldestDrops).toEqual([[`"${'x'.repeat(20)}"`, 'overflow']]);
    expect(oldest.queueLength).toBe(1);
  });

  test('the count limit still applies; messages queued before boundQueue() stay within the new bounds', () => {
    const ws$ = webSocket<number>({ url: 'ws://127.0.0.1:1', queue: { limit: 3 } });
    const dropped = drops(ws$);
    for (let i = 1; i <= 3; i++) ws$.next(i * 111); // "111", "222", "333": 3 bytes each
    boundQueue(ws$, { maxBytes: 7 });
    expect(dropped).toEqual([['111', 'overflow']]);
    ws$.next(4); // 1 byte: fits by bytes (7), not by count
    ws$.next(5);
    expect(dropped).toEqual([['111', 'overflow'], ['222', 'overflow']]);
    expect(ws$.clearQueue()).toEqual(['333', '4', '5']);
  });

  test('bytes are UTF-8 bytes of text and byteLength of binary, as the wire counts them', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a😀é€z', '\u07ff\u0800\uffff']) expect(byteSize(text)).toBe(Buffer.byteLength(text));
    expect(byteSize(new Uint8Array(5))).toBe(5);
    expect(byteSize(new ArrayBuffer(7))).toBe(7);
    expect(byteSize(new Blob(['abc']))).toBe(3);
  });
});

describe('ttl', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test("a message still queued after ttl is dropped ('expired') at its time and never sent", async () => {
    const server = await createTestServer({ json: true });
    const ws$ = boundQueue(webSocket<string>({ url: server.url }), { ttl: 1000 });
    const dropped = drops(ws$);
    ws$.next('old'); // at 0
    jest.advanceTimersByTime(600);
    ws$.next('new'); // at 600
    jest.advanceTimersByTime(399);
    expect(dropped).toEqual([]);
    jest.advanceTimersByTime(1); // 1000: the timer drops it, nobody looking at the queue
    expect(dropped).toEqual([['"old"', 'expired']]);
    jest.advanceTimersByTime(599);
    expect(dropped).toHaveLength(1);
    jest.advanceTimersByTime(1); // 1600: 'new' goes too
    expect(dropped).toEqual([['"old"', 'expired'], ['"new"', 'expired']]);
    ws$.next('newer');
    const r = record(ws$);
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('newer');
    ws$.next('live');
    await expect(connection.nextMessage()).resolves.toBe('live');
    jest.advanceTimersByTime(5000);
    expect(dropped).toHaveLength(2); // sent ones do not expire
    expect(server.messages).toEqual(['newer', 'live']);
    r.subscription.unsubscribe();
  });

  test('an expired message is never flushed even if its timer has not run yet (a throttled tab)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = boundQueue(webSocket<string>({ url: server.url }), { ttl: 100 });
    const dropped = drops(ws$);
    ws$.next('stale');
    jest.setSystemTime(Date.now() + 100); // the clock moves, no timer runs
    const r = record(ws$);
    const connection = await server.nextConnection();
    ws$.next('fresh');
    await expect(connection.nextMessage()).resolves.toBe('fresh');
    expect(dropped).toEqual([['"stale"', 'expired']]);
    r.subscription.unsubscribe();
  });

  test('bad options are refused, naming the option', () => {
    const ws$ = webSocket({ url: 'ws://127.0.0.1:1' });
    expect(() => boundQueue(ws$, { maxBytes: -1 })).toThrow(/boundQueue\(\): 'maxBytes'/);
    expect(() => boundQueue(ws$, { ttl: 'soon' as never })).toThrow(/boundQueue\(\): 'ttl'/);
    expect(() => boundQueue(ws$, { limit: 3 } as never)).toThrow(/boundQueue\(\): unknown option 'limit'/);
    expect(() => boundQueue({} as never, {})).toThrow(/boundQueue\(\): expected a WebSocketSubject/);
  });
});

describe('volatile()', () => {
  test("sent only while open and writable; otherwise dropped ('volatile'), never queued nor sent later", async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<{ x: number }>({ url: server.url });
    const dropped = drops(ws$);
    const cursor = volatile(ws$);
    cursor.next({ x: 1 }); // no connection
    const r = record(ws$);
    cursor.next({ x: 2 }); // connecting
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    cursor.next({ x: 3 });
    await expect(connection.nextMessage()).resolves.toEqual({ x: 3 });
    expect(dropped).toEqual([
      ['{"x":1}', 'volatile'],
      ['{"x":2}', 'volatile'],
    ]);
    expect(ws$.queueLength).toBe(0);
    ws$.next({ x: 4 }); // an ordinary message after it: order kept, nothing of the dropped ones
    await expect(connection.nextMessage()).resolves.toEqual({ x: 4 });
    expect(server.messages).toEqual([{ x: 3 }, { x: 4 }]);
    r.subscription.unsubscribe();
  });

  test('behind queued messages it is dropped (it would overtake them); as an observer of a stream', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>({ url: server.url });
    const dropped = drops(ws$);
    ws$.next(1); // queued
    const r = record(ws$);
    let opened = false;
    ws$.open$.subscribe(() => {
      opened = true;
      volatile(ws$).next(99); // open, but message 1 has not been flushed yet
    });
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe(1);
    expect(opened).toBe(true);
    expect(dropped).toEqual([['99', 'volatile']]);
    const { of } = await import('rxjs');
    of(5, 6).subscribe(volatile(ws$));
    await expect(connection.nextMessage()).resolves.toBe(5);
    await expect(connection.nextMessage()).resolves.toBe(6);
    r.subscription.unsubscribe();
  });

  test('a non-subject is refused', () => {
    expect(() => volatile({} as never)).toThrow(/volatile\(\): expected a WebSocketSubject/);
  });
});
