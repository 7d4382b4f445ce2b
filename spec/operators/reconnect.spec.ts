// reconnect() against real servers (rxws/testing): restarts, refusals, stalled handshakes, fatal
// codes, maxAttempts, the flap guard, the user's close, shared schedules.
import { handshake, webSocket, reconnect, WebSocketCloseError, defaultShouldReconnect, type ReconnectCause } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { filter, firstValueFrom } from 'rxjs';
import { CountingWebSocket, made, record, until, delay, watch, reconnecting, seeded } from './helpers.js';

useTestServers();

const fast = { initialDelay: 10, maxDelay: 40, resetAfter: 1000 };

describe('server restarts', () => {
  test('reconnects and resumes: nothing lost or duplicated, queued messages sent in order after reconnect', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect(fast)));
    const first = await server.nextConnection();
    ws$.next(1);
    ws$.next(2);
    await expect(first.nextMessage()).resolves.toBe(1);
    await expect(first.nextMessage()).resolves.toBe(2);
    const restarted = server.restart({ downtime: 60 });
    await until(() => ws$.state === 'reconnecting' || ws$.state === 'connecting' && w.states.includes('reconnecting'));
    ws$.next(3); // while disconnected: queued
    ws$.next(4);
    await restarted;
    const second = await server.nextConnection({ timeout: 3000 });
    await expect(second.nextMessage()).resolves.toBe(3);
    await expect(second.nextMessage()).resolves.toBe(4);
    ws$.next(5);
    await expect(second.nextMessage()).resolves.toBe(5);
    second.send(42);
    await until(() => r.values.length === 1);
    expect(r.values).toEqual([42]);
    expect(server.messages).toEqual([1, 2, 3, 4, 5]);
    expect(first.closeInfo?.code).toBe(1012);
    const rec = reconnecting(w.statuses);
    expect(rec[0]).toMatchObject({ state: 'reconnecting', attempt: 1 });
    expect((rec[0]!.cause as WebSocketCloseError).code).toBe(1012);
    expect(rec[0]!.cause.kind).toBe('close');
    expect(w.states).toEqual(expect.arrayContaining(['connecting', 'open', 'closed', 'reconnecting']));
    expect(w.states.every((s) => typeof s === 'string')).toBe(true);
    expect(r.notes.filter((n) => n.kind !== 'N')).toEqual([]); // the stream never ended
    r.subscription.unsubscribe();
    await until(() => ws$.state === 'closed');
    w.stop();
  });

  test('open$, close$, message$ and state$ keep flowing across connections', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>({ url: server.url });
    const opens: Event[] = [];
    const closes: number[] = [];
    const messages: unknown[] = [];
    const subs = [ws$.open$.subscribe((e) => opens.push(e)), ws$.close$.subscribe((e) => closes.push(e.code)), ws$.message$.subscribe((e) => messages.push(e.data))];
    const r = record(ws$.pipe(reconnect(fast)));
    (await server.nextConnection()).send('a');
    await until(() => messages.length === 1);
    server.connections[0]!.drop();
    (await server.nextConnection()).send('b');
    await until(() => messages.length === 2);
    expect(opens).toHaveLength(2);
    expect(closes).toEqual([1006]);
    expect(r.values).toEqual(['a', 'b']);
    r.subscription.unsubscribe();
    subs.forEach((s) => s.unsubscribe());
  });
});

describe('refused connections', () => {
  test('the backoff grows and is capped (jitter none)', async () => {
    const server = await createTestServer();
    server.refuseNext(5, 503);
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, factor: 2, maxDelay: 20, jitter: 'none' })));
    await server.nextConnection({ timeout: 3000 });
    const rec = reconnecting(w.statuses);
    expect(rec.map((s) => [s.attempt, s.delay])).toEqual([[1, 5], [2, 10], [3, 20], [4, 20], [5, 20]]);
    expect(rec.every((s) => s.cause.kind === 'error' && s.cause.code === 1006)).toBe(true);
    expect(server.handshakes.map((h) => h.status ?? h.outcome)).toEqual([503, 503, 503, 503, 503, 'accepted']);
    r.subscription.unsubscribe();
  });

  test('full jitter: a fresh random draw per attempt, within [0, cap]', async () => {
    const server = await createTestServer();
    server.refuseNext(4, 503);
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const draws: number[] = [];
    const random = seeded(7);
    const r = record(ws$.pipe(reconnect({ initialDelay: 8, maxDelay: 32, random: () => { const x = random(); draws.push(x); return x; } })));
    await server.nextConnection({ timeout: 3000 });
    const delays = reconnecting(w.statuses).map((s) => s.delay);
    expect(draws).toHaveLength(4);
    expect(delays).toEqual(draws.map((x, i) => Math.round(x * Math.min(32, 8 * 2 ** i))));
    r.subscription.unsubscribe();
  });

  test('two clients never share a schedule (default random)', async () => {
    const server = await createTestServer();
    server.refuseNext(6, 503);
    const a$ = webSocket({ url: server.url });
    const b$ = webSocket({ url: server.url });
    const wa = watch(a$);
    const wb = watch(b$);
    const ra = record(a$.pipe(reconnect({ initialDelay: 1000, maxDelay: 1000 })));
    const rb = record(b$.pipe(reconnect({ initialDelay: 1000, maxDelay: 1000 })));
    await until(() => reconnecting(wa.statuses).length > 0 && reconnecting(wb.statuses).length > 0);
    expect(reconnecting(wa.statuses)[0]!.delay).not.toBe(reconnecting(wb.statuses)[0]!.delay);
    ra.subscription.unsubscribe();
    rb.subscription.unsubscribe();
  });
});

describe('connectTimeout', () => {
  test('a handshake that stalls is abandoned cleanly, counts as a failed attempt (kind timeout), and the next attempt connects', async () => {
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const server = await createTestServer();
    server.delayHandshake(Infinity);
    const base = tcp();
    const ws$ = webSocket({ url: server.url, WebSocketCtor: CountingWebSocket });
    const from = made.length;
    const w = watch(ws$);
    const causes: ReconnectCause[] = [];
    const r = record(ws$.pipe(reconnect({ initialDelay: 400, maxDelay: 400, jitter: 'none', connectTimeout: 100, shouldReconnect: (c, n) => (causes.push(c), defaultShouldReconnect(c, n)) })));
    await until(() => causes.length === 1, 3000);
    expect(causes[0]).toBeInstanceOf(WebSocketCloseError);
    expect(causes[0]).toMatchObject({ kind: 'timeout', code: 1006, wasClean: false });
    expect(ws$.state).toBe('reconnecting');
    // The client's TCP socket is gone: only the server's end of the held upgrade remains.
    await until(() => tcp() - base === server.heldHandshakes, 5000, 'the client socket to be destroyed');
    expect(made.slice(from).every((s) => s.readyState === 3 && s.attached === 0)).toBe(true);
    server.delayHandshake(0);
    server.releaseHandshakes();
    await until(() => ws$.state === 'open', 3000);
    const sockets = made.slice(from);
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.readyState).toBe(3);
    await until(() => server.openConnections.length === 1, 5000, 'no lingering connection on the server');
    expect(reconnecting(w.statuses)[0]!.cause.kind).toBe('timeout');
    expect(r.notes).toEqual([]);
    r.subscription.unsubscribe();
  });
});

describe('close codes', () => {
  test.each([1002, 1003, 1007, 1008, 1009, 1010, 4000, 4401, 4999])('a fatal close %i: no retry, the stream errors with the real code', async (code) => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect(fast)));
    const connection = await server.nextConnection();
    await connection.close(code, 'bye');
    const done = await r.done;
    expect(done.kind).toBe('E');
    expect((done as { error: WebSocketCloseError }).error).toMatchObject({ code, reason: 'bye', kind: 'close' });
    // A quiet window is the behaviour under test (no retry follows). It outlasts the longest backoff
    // (maxDelay 40 ms), and a timer due later fires after one due earlier, so a retry would have
    // begun by its end: the state would not be 'closed'.
    await delay(200);
    expect(server.connections).toHaveLength(1);
    expect(ws$.state).toBe('closed');
  });

  test.each([1001, 1011, 1012, 1013, 1014, 3000])('close %i reconnects', async (code) => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect(fast)));
    await (await server.nextConnection()).close(code);
    await server.nextConnection({ timeout: 3000 });
    expect(r.notes).toEqual([]);
    r.subscription.unsubscribe();
  });

  test("a server's clean 1000 completes (no retry), unless shouldReconnect wants it", async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect(fast)));
    await (await server.nextConnection()).close(1000);
    expect((await r.done).kind).toBe('C');

    const again = record(ws$.pipe(reconnect({ ...fast, shouldReconnect: (c, n) => c.code === 1000 || defaultShouldReconnect(c, n) })));
    await (await server.nextConnection()).close(1000);
    await server.nextConnection({ timeout: 3000 });
    expect(again.notes).toEqual([]);
    again.subscription.unsubscribe();
  });

  test("the client's own close completes, never reconnects, and cancels a pending retry", async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect(fast)));
    await server.nextConnection();
    ws$.close();
    expect((await r.done).kind).toBe('C');
    await delay(200); // a quiet window (no retry follows) longer than the longest backoff (40 ms)
    expect(server.connections).toHaveLength(1);
    expect(ws$.state).toBe('closed');

    server.refuseNext(100, 503);
    const w = watch(ws$);
    const r2 = record(ws$.pipe(reconnect({ initialDelay: 200, maxDelay: 200, jitter: 'none' })));
    await until(() => ws$.state === 'reconnecting');
    const handshakes = server.handshakes.length;
    ws$.close();
    expect((await r2.done).kind).toBe('C');
    expect(ws$.state).toBe('closed');
    // A quiet window (no attempt follows) outlasting the cancelled 200 ms retry: a timer due later
    // fires after one due earlier, so a retry that was not cancelled would have left 'closed'.
    await delay(300);
    expect(server.handshakes.length).toBe(handshakes);
    expect(ws$.state).toBe('closed');
    w.stop();
  });

  test('complete() while waiting to retry also cancels it', async () => {
    const server = await createTestServer();
    server.refuseNext(100, 503);
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect({ initialDelay: 200, maxDelay: 200, jitter: 'none' })));
    await until(() => ws$.state === 'reconnecting');
    const handshakes = server.handshakes.length;
    ws$.complete();
    expect((await r.done).kind).toBe('C');
    await delay(300); // a quiet window outlasting the cancelled 200 ms retry (see above)
    expect(server.handshakes.length).toBe(handshakes);
    expect(ws$.state).toBe('closed');
  });
});

describe('maxAttempts', () => {
  test("spent: the stream errors with the last cause and state$ says 'exhausted'; a later subscription starts afresh", async () => {
    const server = await createTestServer();
    server.refuseNext(3, 503);
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ ...fast, maxAttempts: 2 })));
    const done = await r.done;
    expect(done.kind).toBe('E');
    const error = (done as { error: WebSocketCloseError }).error;
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ code: 1006, kind: 'error' });
    expect(String((error.cause as Error).message)).toMatch(/503/);
    expect(server.handshakes).toHaveLength(3); // the first connection + 2 reconnects
    expect(ws$.state).toBe('exhausted');
    expect(w.states[w.states.length - 1]).toBe('exhausted');
    expect(ws$.status).toMatchObject({ state: 'exhausted', attempt: 2, cause: error });

    const fresh = record(ws$.pipe(reconnect({ ...fast, maxAttempts: 2 })));
    await server.nextConnection();
    await until(() => ws$.state === 'open');
    expect(w.statuses.filter((s) => s.state === 'connecting').pop()).toEqual({ state: 'connecting', attempt: 0 });
    // and it counts from 1 again
    server.refuseNext(1, 503);
    server.connections[0]!.drop();
    await server.nextConnection({ timeout: 3000 });
    expect(reconnecting(w.statuses).map((s) => s.attempt)).toEqual([1, 2, 1, 2]);
    fresh.subscription.unsubscribe();
  });

  test('subject.reconnect() after exhaustion clears it; while waiting it retries at once', async () => {
    const server = await createTestServer();
    server.refuseNext(1, 503);
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect({ maxAttempts: 0 })));
    await r.done;
    expect(ws$.state).toBe('exhausted');
    ws$.reconnect();
    expect(ws$.state).toBe('closed');

    server.refuseNext(1, 503);
    const r2 = record(ws$.pipe(reconnect({ initialDelay: 60_000, maxDelay: 60_000, jitter: 'none' })));
    await until(() => ws$.state === 'reconnecting');
    ws$.reconnect();
    await server.nextConnection();
    r2.subscription.unsubscribe();
  });
});

describe('resetAfter (flap guard)', () => {
  test('a server that accepts then drops at once: the attempt count keeps growing', async () => {
    const server = await createTestServer();
    const off = server.onConnection((c) => c.drop());
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ initialDelay: 2, maxDelay: 8, jitter: 'none', resetAfter: 500, maxAttempts: 4 })));
    const done = await r.done;
    expect(done.kind).toBe('E');
    expect(reconnecting(w.statuses).map((s) => s.attempt)).toEqual([1, 2, 3, 4]);
    expect(ws$.state).toBe('exhausted');
    off();
  });

  test('a connection that stayed open resetAfter ms resets the count', async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url });
    const w = watch(ws$);
    const r = record(ws$.pipe(reconnect({ initialDelay: 2, maxDelay: 8, jitter: 'none', resetAfter: 50 })));
    (await server.nextConnection()).drop();
    (await server.nextConnection()).drop(); // attempt 1 opened but dropped before 50 ms
    const third = await server.nextConnection();
    // resetAfter counts from the client's open: wait for it, then outlast the 50 ms (a timer due
    // later fires after the one due earlier, however late both are on a loaded machine).
    await until(() => ws$.state === 'open', 5000, 'the third connection to open');
    await delay(120); // stable now
    third.drop();
    await server.nextConnection();
    expect(reconnecting(w.statuses).map((s) => s.attempt)).toEqual([1, 2, 1]);
    r.subscription.unsubscribe();
  });
});

describe('one socket and one schedule per subject', () => {
  test('several reconnecting subscribers share one timer and one socket', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<string>({ url: server.url, WebSocketCtor: CountingWebSocket });
    const from = made.length;
    const w = watch(ws$);
    const live$ = ws$.pipe(reconnect(fast));
    const a = record(live$);
    const b = record(live$);
    const c = record(ws$.pipe(reconnect({ initialDelay: 1, maxDelay: 1 })));
    await server.nextConnection();
    for (let i = 0; i < 3; i++) {
      server.connections[server.connections.length - 1]!.drop();
      await server.nextConnection({ timeout: 3000 });
      await until(() => ws$.state === 'open');
    }
    expect(server.connections).toHaveLength(4);
    expect(made.length - from).toBe(4);
    expect(reconnecting(w.statuses)).toHaveLength(3);
    server.send('x');
    await until(() => a.values.length === 1 && b.values.length === 1 && c.values.length === 1);
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
    c.subscription.unsubscribe();
    await until(() => ws$.state === 'closed');
  });

  test('unsubscribing while waiting to retry cancels the timer: no attempt follows', async () => {
    const server = await createTestServer();
    server.refuseNext(1, 503);
    const ws$ = webSocket({ url: server.url });
    const r = record(ws$.pipe(reconnect({ initialDelay: 100, maxDelay: 100, jitter: 'none' })));
    await until(() => ws$.state === 'reconnecting');
    r.subscription.unsubscribe();
    expect(ws$.state).toBe('closed');
    await delay(200); // a quiet window outlasting the cancelled 100 ms retry (see above)
    expect(server.handshakes).toHaveLength(1);
    expect(ws$.state).toBe('closed');
  });
});

describe('handshake', () => {
  test('queued messages go out after the handshake completed, in order; the handshake runs on every connection', async () => {
    const server = await createTestServer({ json: true });
    server.on({ type: 'auth', token: expect.any(String) }).reply({ type: 'ok' });
    let token = 0;
    const ws$ = webSocket<{ type: string; token?: string; n?: number }>({
      url: server.url,
      handshake: handshake(({ send, messages }) => {
        send({ type: 'auth', token: `t${++token}` });
        return new Promise<void>((resolve, reject) => {
          const s = messages.subscribe({ next: (m) => m.type === 'ok' && (s.unsubscribe(), resolve()), error: reject });
        });
      }),
    });
    ws$.next({ type: 'data', n: 1 });
    const r = record(ws$.pipe(reconnect(fast)));
    const first = await server.nextConnection();
    await expect(first.nextMessage()).resolves.toEqual({ type: 'auth', token: 't1' });
    await expect(first.nextMessage()).resolves.toEqual({ type: 'data', n: 1 });
    // Watch the states rather than poll: the reconnect may be back to 'open' between two polls.
    const down = firstValueFrom(ws$.state$.pipe(filter((state) => state !== 'open')));
    first.drop();
    await down;
    ws$.next({ type: 'data', n: 2 });
    const second = await server.nextConnection({ timeout: 3000 });
    await expect(second.nextMessage()).resolves.toEqual({ type: 'auth', token: 't2' });
    await expect(second.nextMessage()).resolves.toEqual({ type: 'data', n: 2 });
    r.subscription.unsubscribe();
  });

  test('a failed handshake errors with kind handshake (not retried by default)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket({ url: server.url, handshake: handshake(() => Promise.reject(new Error('denied'))) });
    const r = record(ws$.pipe(reconnect(fast)));
    const done = await r.done;
    expect((done as { error: WebSocketCloseError }).error).toMatchObject({ kind: 'handshake', cause: new Error('denied') });
    expect(server.connections).toHaveLength(1);
  });
});

describe('other streams', () => {
  test('a multiplexed topic keeps flowing across a restart, re-subscribed once', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<{ sub?: string; unsub?: string }, { topic: string; n: number }>({ url: server.url });
    const prices$ = ws$.multiplex(() => ({ sub: 'p' }), () => ({ unsub: 'p' }), (m) => m.topic === 'p');
    const r = record(prices$.pipe(reconnect(fast)));
    const first = await server.nextConnection();
    await expect(first.nextMessage()).resolves.toEqual({ sub: 'p' });
    first.send({ topic: 'p', n: 1 });
    await server.restart({ downtime: 20 });
    const second = await server.nextConnection({ timeout: 3000 });
    await expect(second.nextMessage()).resolves.toEqual({ sub: 'p' });
    second.send({ topic: 'p', n: 2 });
    await until(() => r.values.length === 2);
    expect(r.values.map((v) => v.n)).toEqual([1, 2]);
    expect(r.notes.filter((n) => n.kind !== 'N')).toEqual([]);
    r.subscription.unsubscribe();
  });

  test('through ordinary operators the subject is still found (state is reported)', async () => {
    const server = await createTestServer({ json: true });
    const ws$ = webSocket<number>({ url: server.url });
    const w = watch(ws$);
    const { map } = await import('rxjs');
    const r = record(ws$.pipe(map((n) => n * 2), reconnect(fast)));
    (await server.nextConnection()).drop();
    (await server.nextConnection({ timeout: 3000 })).send(21);
    await until(() => r.values.length === 1);
    expect(r.values).toEqual([42]);
    expect(reconnecting(w.statuses)).toHaveLength(1);
    r.subscription.unsubscribe();
  });
});

describe('handshake(fn) counts connections per subject', () => {
  test('one handshake option shared by two subjects: each one\'s first connection is connectionCount 0, its next one 1', async () => {
    const server = await createTestServer({ json: true });
    const counts: string[] = [];
    const auth = handshake<unknown, unknown>(({ connectionCount, send }) => {
      send({ hello: connectionCount });
      counts.push(String(connectionCount));
    });
    const a$ = webSocket<unknown>({ url: `${server.url}/a`, handshake: auth });
    const b$ = webSocket<unknown>({ url: `${server.url}/b`, handshake: auth });
    const a = record(a$);
    await server.nextConnection();
    await until(() => a$.state === 'open');
    const b = record(b$);
    await server.nextConnection();
    await until(() => b$.state === 'open');
    a.subscription.unsubscribe();
    await until(() => a$.state === 'closed');
    const again = record(a$);
    await server.nextConnection();
    await until(() => a$.state === 'open');
    expect(counts).toEqual(['0', '0', '1']);
    again.subscription.unsubscribe();
    b.subscription.unsubscribe();
  });
});
