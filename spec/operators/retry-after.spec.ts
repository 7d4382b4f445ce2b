// Retries that listen to the server (issue #19 item 1), on real servers (rxws/testing): a refused
// handshake's response on the error, Retry-After honoured on 429/503 (capped by maxRetryAfter),
// the retryAfter option, and 4000-4999 application codes not retried by default. Delays run on a
// VirtualTimeScheduler: the statuses are checked to the millisecond, the attempts fired by flush().
import { webSocket, reconnect, defaultRetryAfter, defaultShouldReconnect, DEFAULT_MAX_RETRY_AFTER, WebSocket, WebSocketCloseError, type HandshakeRefusal } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { VirtualTimeScheduler, of, throwError, concat } from 'rxjs';
import { record, until, watch, reconnecting } from './helpers.js';

useTestServers();

/** Runs the virtual clock up to `at` (not beyond: the next connection's connectTimeout is on it too). */
function advanceTo(scheduler: VirtualTimeScheduler, at: number): void {
  scheduler.maxFrames = at;
  scheduler.flush();
}

/** Waits until `ws$` reports its first 'reconnecting' status, and returns it. */
async function firstReconnecting(w: ReturnType<typeof watch>) {
  await until(() => reconnecting(w.statuses).length > 0);
  return reconnecting(w.statuses)[0]!;
}

describe("a refused handshake's response (Node)", () => {
  test('the error event carries status, statusText and headers (lower-case names)', async () => {
    const server = await createTestServer();
    server.refuseNext(1, 503, { headers: { 'Retry-After': '7', 'X-Shard': 'b' } });
    const socket = new WebSocket(server.url);
    const closed = new Promise((resolve) => socket.addEventListener('close', resolve));
    const error = await new Promise<Error & HandshakeRefusal>((resolve) => socket.addEventListener('error', (event) => resolve((event as ErrorEvent).error)));
    expect(error.message).toBe('Unexpected server response: 503');
    expect(error).toMatchObject({ status: 503, statusText: 'Service Unavailable' });
    expect(error.headers['retry-after']).toBe('7');
    expect(error.headers['x-shard']).toBe('b');
    await closed;
  });

  test("a subject's WebSocketCloseError has it as its cause", async () => {
    const server = await createTestServer();
    server.refuseNext(1, 429, { headers: { 'retry-after': '2' } });
    const r = record(webSocket({ url: server.url }));
    const done = await r.done;
    const error = (done as { error: WebSocketCloseError }).error;
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ kind: 'error', code: 1006 });
    expect(error.cause).toMatchObject({ status: 429, statusText: 'Too Many Requests', headers: expect.objectContaining({ 'retry-after': '2' }) });
  });
});

describe('Retry-After on 429 and 503', () => {
  test.each([503, 429])("%i with Retry-After: 30 waits 30 s exactly (reason 'retry-after'), then connects", async (status) => {
    const server = await createTestServer();
    server.refuseNext(1, status, { headers: { 'Retry-After': '30' } });
    const scheduler = new VirtualTimeScheduler();
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ scheduler, initialDelay: 10 })));
    const status$ = await firstReconnecting(w);
    expect(status$).toMatchObject({ state: 'reconnecting', attempt: 1, delay: 30_000, at: 30_000, reason: 'retry-after' });
    expect((status$.cause as WebSocketCloseError).cause).toMatchObject({ status });
    expect(server.handshakes).toHaveLength(1); // nothing before its time
    advanceTo(scheduler, 30_000); // virtual time: the 30 s pass
    await server.nextConnection();
    expect(server.handshakes.map((h) => h.status ?? h.outcome)).toEqual([status, 'accepted']);
    r.subscription.unsubscribe();
    w.stop();
  });

  test('an HTTP date: the time until then', async () => {
    const server = await createTestServer();
    const date = new Date(Date.now() + 120_000).toUTCString();
    server.refuseNext(1, 503, { headers: { 'Retry-After': date } });
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ scheduler: new VirtualTimeScheduler() })));
    const status$ = await firstReconnecting(w);
    expect(status$.reason).toBe('retry-after');
    // The date has whole seconds: up to 1 s less, and the handshake took some of the rest.
    expect(status$.delay).toBeGreaterThan(100_000);
    expect(status$.delay).toBeLessThanOrEqual(120_000);
    r.subscription.unsubscribe();
    w.stop();
  });

  test('capped by maxRetryAfter (default 10 min)', async () => {
    const server = await createTestServer();
    server.refuseNext(2, 503, { headers: { 'Retry-After': '86400' } });
    const scheduler = new VirtualTimeScheduler();
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ scheduler })));
    advanceTo(scheduler, (await firstReconnecting(w)).at);
    await until(() => reconnecting(w.statuses).length === 2);
    r.subscription.unsubscribe();
    const capped = record(ws$.pipe(reconnect({ scheduler, maxRetryAfter: 5_000 })));
    server.refuseNext(1, 503, { headers: { 'Retry-After': '86400' } });
    await until(() => reconnecting(w.statuses).length === 3);
    expect(reconnecting(w.statuses).map((s) => [s.delay, s.reason])).toEqual([
      [DEFAULT_MAX_RETRY_AFTER, 'retry-after'],
      [DEFAULT_MAX_RETRY_AFTER, 'retry-after'],
      [5_000, 'retry-after'],
    ]);
    capped.subscription.unsubscribe();
    w.stop();
  });

  test("no header, or another status: the ordinary backoff (reason 'backoff')", async () => {
    const server = await createTestServer();
    server.refuseNext(1, 503);
    server.refuseNext(1, 500, { headers: { 'Retry-After': '30' } });
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, factor: 1, jitter: 'none' })));
    await server.nextConnection({ timeout: 3000 });
    expect(reconnecting(w.statuses).map((s) => [s.delay, s.reason])).toEqual([[5, 'backoff'], [5, 'backoff']]);
    r.subscription.unsubscribe();
    w.stop();
  });

  test('defaultRetryAfter: seconds, HTTP dates, and what it ignores', () => {
    const refused = (status: number, retryAfter?: string) =>
      new WebSocketCloseError({ code: 1006, cause: { status, statusText: '', headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } } });
    const now = Date.parse('Mon, 07 Dec 2026 12:00:00 GMT');
    expect(defaultRetryAfter(refused(503, '120'), now)).toBe(120_000);
    expect(defaultRetryAfter(refused(429, ' 0 '), now)).toBe(0);
    expect(defaultRetryAfter(refused(503, 'Mon, 07 Dec 2026 12:01:30 GMT'), now)).toBe(90_000);
    expect(defaultRetryAfter(refused(503, 'Mon, 07 Dec 2026 11:00:00 GMT'), now)).toBe(0); // in the past: at once
    expect(defaultRetryAfter(refused(503, 'soon'), now)).toBeUndefined();
    expect(defaultRetryAfter(refused(503, '-5'), now)).toBeUndefined();
    expect(defaultRetryAfter(refused(503), now)).toBeUndefined();
    expect(defaultRetryAfter(refused(500, '120'), now)).toBeUndefined();
    expect(defaultRetryAfter(new WebSocketCloseError({ code: 1013, reason: 'retry-after=5' }), now)).toBeUndefined();
    expect(defaultRetryAfter({ kind: 'complete', code: undefined, error: undefined }, now)).toBeUndefined();
  });
});

describe('the retryAfter option', () => {
  test("an application's own convention: 1013 with reason retry-after=30", async () => {
    const server = await createTestServer();
    const scheduler = new VirtualTimeScheduler();
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const retryAfter = (cause: Parameters<typeof defaultRetryAfter>[0]) => {
      const seconds = cause.code === 1013 && cause instanceof WebSocketCloseError ? /^retry-after=(\d+)$/.exec(cause.reason)?.[1] : undefined;
      return seconds !== undefined ? Number(seconds) * 1000 : defaultRetryAfter(cause);
    };
    const r = record(ws$.pipe(reconnect({ scheduler, retryAfter })));
    await (await server.nextConnection()).close(1013, 'retry-after=30');
    const status$ = await firstReconnecting(w);
    expect(status$).toMatchObject({ attempt: 1, delay: 30_000, reason: 'retry-after', cause: { code: 1013 } });
    advanceTo(scheduler, status$.at);
    await server.nextConnection();
    r.subscription.unsubscribe();
    w.stop();
  });

  test('a bad retryAfter or maxRetryAfter is refused up front', () => {
    expect(() => reconnect({ retryAfter: 5 as never })).toThrow(/reconnect\(\).*retryAfter/);
    expect(() => reconnect({ maxRetryAfter: -1 })).toThrow(/reconnect\(\).*maxRetryAfter/);
  });
});

describe('4000-4999: the application said so', () => {
  test('the default policy stops: the stream errors with that close, no retry', async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ initialDelay: 1 })));
    await (await server.nextConnection()).close(4401, 'unauthorized');
    const done = await r.done;
    expect((done as { error: WebSocketCloseError }).error).toMatchObject({ code: 4401, reason: 'unauthorized', kind: 'close' });
    expect(reconnecting(w.statuses)).toEqual([]);
    expect(ws$.state).toBe('closed');
    expect(server.handshakes).toHaveLength(1);
    w.stop();
  });

  test('shouldReconnect can still retry them', async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect({ initialDelay: 1, shouldReconnect: (cause, attempt) => cause.code === 4500 || defaultShouldReconnect(cause, attempt) })));
    await (await server.nextConnection()).close(4500, 'rebalancing');
    await server.nextConnection({ timeout: 3000 });
    expect(r.notes).toEqual([]);
    r.subscription.unsubscribe();
  });

  test('on a plain observable, by the error\'s numeric code', () => {
    const errors: unknown[] = [];
    concat(of(1), throwError(() => ({ code: 4000 }))).pipe(reconnect({ initialDelay: 1 })).subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([{ code: 4000 }]);
    expect(defaultShouldReconnect(new WebSocketCloseError({ code: 4999, wasClean: true }))).toBe(false);
    expect(defaultShouldReconnect(new WebSocketCloseError({ code: 3000, wasClean: true }))).toBe(true);
  });
});
