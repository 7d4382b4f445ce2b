// Closes told apart: the client's own close and a clean 1000 from the server complete; anything
// else errors with a WebSocketCloseError { code, reason, wasClean }. close(code, reason), 1000 on
// the last unsubscribe, closingObserver on every client close, and the exact sequences.
import { webSocket, WebSocketCloseError, type ConnectionState } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { CountingWebSocket, delay, made, record, until } from './helpers.js';

useTestServers();

async function openSubject(options: { json?: boolean } = {}) {
  const server = await createTestServer(options);
  const events: string[] = [];
  const ws$ = webSocket<unknown>({
    url: server.url,
    openObserver: { next: () => events.push('open') },
    closingObserver: { next: () => events.push('closing') },
    closeObserver: { next: (e) => events.push(`close ${e.code} ${e.wasClean ? 'clean' : 'unclean'}`) },
  });
  ws$.state$.subscribe((s) => events.push(`state ${s}`));
  const r = record(ws$);
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open');
  return { server, ws$, r, connection, events };
}

describe('client-initiated closes complete the subscribers', () => {
  test('complete(): the server sees 1000; exact sequence', async () => {
    const { ws$, r, connection, events } = await openSubject();
    ws$.complete();
    await expect(connection.waitForClose()).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
    await expect(r.done).resolves.toEqual({ kind: 'C' });
    expect(events).toEqual(['state idle', 'state connecting', 'state open', 'open', 'closing', 'state closing', 'state closed', 'close 1000 clean']);
  });

  test('close() defaults to 1000; close(code, reason) sends both', async () => {
    const { ws$, r, connection } = await openSubject();
    ws$.close();
    await expect(connection.waitForClose()).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
    await expect(r.done).resolves.toEqual({ kind: 'C' });

    const second = await openSubject();
    second.ws$.close(4001, 'logged out');
    await expect(second.connection.waitForClose()).resolves.toEqual({ code: 4001, reason: 'logged out', wasClean: true });
    await expect(second.r.done).resolves.toEqual({ kind: 'C' });
  });

  test('the last unsubscribe closes with 1000, not 1005, and fires closingObserver', async () => {
    const { r, connection, events } = await openSubject();
    r.subscription.unsubscribe();
    await expect(connection.waitForClose()).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
    await until(() => events.includes('close 1000 clean'));
    expect(events.slice(-4)).toEqual(['closing', 'state closing', 'state closed', 'close 1000 clean']);
  });

  test('subject.unsubscribe() closes with 1000 and completes every subscriber', async () => {
    const { ws$, r, connection, events } = await openSubject();
    const other = record(ws$);
    ws$.unsubscribe();
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
    await expect(r.done).resolves.toEqual({ kind: 'C' });
    await expect(other.done).resolves.toEqual({ kind: 'C' });
    expect(events.filter((e) => e === 'closing')).toHaveLength(1);
  });

  test('error({ code, reason }) closes with that code and completes', async () => {
    const { ws$, r, connection } = await openSubject();
    ws$.error({ code: 4999, reason: 'bye' });
    await expect(connection.waitForClose()).resolves.toEqual({ code: 4999, reason: 'bye', wasClean: true });
    await expect(r.done).resolves.toEqual({ kind: 'C' });
  });

  test('subscribers complete after closeObserver and close$ have seen the close event', async () => {
    const { ws$, r, events } = await openSubject();
    ws$.close$.subscribe((e) => events.push(`close$ ${e.code}`));
    r.done.then(() => events.push('complete'));
    const done = record(ws$);
    done.done.then(() => events.push('complete 2'));
    ws$.close(4002);
    await r.done;
    await done.done;
    expect(events.slice(-4)).toEqual(['close 4002 clean', 'close$ 4002', 'complete', 'complete 2']);
  });

  test('unsubscribing while CONNECTING abandons the handshake: no socket is left behind', async () => {
    const server = await createTestServer();
    server.delayHandshake(Infinity);
    const events: string[] = [];
    const ws$ = webSocket({
      url: server.url,
      WebSocketCtor: CountingWebSocket,
      closingObserver: { next: () => events.push('closing') },
      closeObserver: { next: (e) => events.push(`close ${e.code}`) },
    });
    const r = record(ws$);
    await until(() => server.heldHandshakes === 1);
    const socket = made[made.length - 1]!;
    r.subscription.unsubscribe();
    expect(events).toEqual(['closing']);
    expect(ws$.state).toBe('closing');
    await until(() => ws$.state === 'closed');
    expect(events).toEqual(['closing', 'close 1006']);
    expect(socket.readyState).toBe(3);
    expect(socket.attached).toBe(0);
    // The server's observation: the held upgrade saw the client leave (aborted); releasing then
    // accepts nothing.
    await until(() => server.handshakes.every((h) => h.outcome !== 'pending'), 5000, 'the server to see the client leave');
    server.releaseHandshakes();
    expect(server.handshakes.map((h) => h.outcome)).toEqual(['aborted']);
    expect(server.connections.filter((c) => c.isOpen)).toHaveLength(0);
  });

  test('close() while CONNECTING abandons the handshake; complete() waits for open, flushes, then closes', async () => {
    const server = await createTestServer({ json: true, handshakeDelay: 50 });
    const a$ = webSocket<string>(server.url);
    const a = record(a$);
    a$.next('queued');
    a$.close();
    await expect(a.done).resolves.toEqual({ kind: 'C' });
    expect(a$.queueLength).toBe(1); // kept for the next connection
    // A quiet window (the abandoned upgrade, if it reached the server, outlasts its 50 ms delay and
    // is aborted, never accepted): nothing is accepted is the behaviour under test.
    await delay(150);
    await until(() => server.handshakes.every((h) => h.outcome !== 'pending'), 5000, 'the abandoned handshake to settle');
    expect(server.connections.filter((c) => c.isOpen)).toHaveLength(0);

    const b$ = webSocket<string>(server.url);
    const b = record(b$);
    b$.next('queued');
    b$.complete();
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toBe('queued');
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
    await expect(b.done).resolves.toEqual({ kind: 'C' });
  });

  test('closingObserver fires once per client close, and never for a server close', async () => {
    const server = await createTestServer();
    let closing = 0;
    const ws$ = webSocket({ url: server.url, closingObserver: { next: () => closing++ } });
    const kinds: Array<() => void> = [() => ws$.complete(), () => ws$.close(), () => ws$.unsubscribe(), () => ws$.error({ code: 4000 })];
    for (const close of kinds) {
      const r = record(ws$);
      const connection = await server.nextConnection();
      await until(() => ws$.state === 'open');
      close();
      close(); // a second request on the same connection is ignored
      await connection.waitForClose();
      await r.done;
    }
    const last = record(ws$);
    const connection = await server.nextConnection();
    await until(() => ws$.state === 'open');
    last.subscription.unsubscribe();
    await connection.waitForClose();
    expect(closing).toBe(5);

    const r = record(ws$);
    const c = await server.nextConnection();
    await c.close(1001);
    await r.done;
    expect(closing).toBe(5);
  });
});

describe('server-initiated closes', () => {
  test('a clean 1000 from the server completes', async () => {
    const { r, connection } = await openSubject();
    await connection.close(1000, 'done');
    await expect(r.done).resolves.toEqual({ kind: 'C' });
  });

  test.each([
    [1001, 'Going Away'],
    [1011, 'internal error'],
    [1012, 'Service Restart'],
    [1013, ''],
    [4000, 'custom'],
  ])('%i from the server errors with WebSocketCloseError { code, reason, wasClean }', async (code, reason) => {
    const { r, connection, events } = await openSubject();
    await connection.close(code, reason);
    const done = await r.done;
    expect(done.kind).toBe('E');
    const error = (done as { error: WebSocketCloseError }).error;
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebSocketCloseError');
    expect(error).toMatchObject({ code, reason, wasClean: true });
    expect(error.message).toContain(String(code));
    expect(events).not.toContain('closing');
  });

  test('a server restart (1012) errors, so retry-style operators see it', async () => {
    const { server, r } = await openSubject();
    await server.restart();
    await expect(r.done).resolves.toMatchObject({ kind: 'E', error: { code: 1012, reason: 'Service Restart' } });
  });

  test('a dropped connection errors with 1006, not clean', async () => {
    const { r, connection } = await openSubject();
    connection.drop();
    await expect(r.done).resolves.toMatchObject({ kind: 'E', error: { code: 1006, wasClean: false } });
  });

  test('a refused handshake errors with 1006 and the cause', async () => {
    const server = await createTestServer();
    server.refuseNext(1, 503);
    const r = record(webSocket(server.url));
    const done = await r.done;
    expect(done).toMatchObject({ kind: 'E', error: { code: 1006, wasClean: false } });
    const error = (done as { error: WebSocketCloseError }).error;
    expect(String((error.cause as Error).message)).toMatch(/503/);
    expect(error.message).toMatch(/503/);
  });

  test('a refused TCP connection errors with 1006 and ECONNREFUSED as cause', async () => {
    const server = await createTestServer();
    const url = server.url;
    await server.close();
    const states: ConnectionState[] = [];
    const ws$ = webSocket(url);
    ws$.state$.subscribe((s) => states.push(s));
    const done = await record(ws$).done;
    expect(done).toMatchObject({ kind: 'E', error: { code: 1006, cause: { code: 'ECONNREFUSED' } } });
    expect(states).toEqual(['idle', 'connecting', 'closed']);
  });
});

describe('error() and close() arguments', () => {
  test('error() without a code throws a TypeError (cause attached) and closes nothing', async () => {
    const { ws$, connection } = await openSubject();
    const original = new Error('app failure');
    let thrown: unknown;
    try {
      ws$.error(original as never);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/code/);
    expect((thrown as Error).cause).toBe(original);
    expect(() => ws$.error(undefined as never)).toThrow(TypeError);
    // No close frame went out: a message sent now arrives (frames are ordered), on an open connection.
    ws$.next('probe');
    await expect(connection.nextMessage()).resolves.toBe('"probe"');
    expect(connection.isOpen).toBe(true);
    expect(ws$.state).toBe('open');
    ws$.close();
  });

  test('a code the client may not send, or a long reason, throws as WebSocket.close() does', async () => {
    const { ws$, connection } = await openSubject();
    expect(() => ws$.error({ code: 1001 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => ws$.error({ code: 2000 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => ws$.close(1006)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => ws$.close(4000, 'x'.repeat(124))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    // No close frame went out: a message sent now arrives (frames are ordered), on an open connection.
    ws$.next('probe');
    await expect(connection.nextMessage()).resolves.toBe('"probe"');
    expect(connection.isOpen).toBe(true);
    ws$.close(4000, 'x'.repeat(123));
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 4000, reason: 'x'.repeat(123) });
  });

  test('complete(), close() and error() with no connection do nothing', async () => {
    const server = await createTestServer();
    let closing = 0;
    const ws$ = webSocket({ url: server.url, closingObserver: { next: () => closing++ } });
    ws$.complete();
    ws$.close();
    ws$.error({ code: 4000 });
    ws$.unsubscribe();
    expect(closing).toBe(0);
    // ... and are not replayed on the next connection (unlike rxjs 7's complete() before a subscriber).
    const r = record(ws$);
    const connection = await server.nextConnection();
    // Nothing replayed: a message sent once open arrives (no close frame before it), on an open connection.
    await until(() => ws$.state === 'open');
    ws$.next('probe');
    await expect(connection.nextMessage()).resolves.toBe('"probe"');
    expect(connection.isOpen).toBe(true);
    r.subscription.unsubscribe();
  });
});

describe('WebSocketCloseError', () => {
  test('its default message says how the connection ended, the code, the reason, whether clean, and the cause', () => {
    const cases: [ConstructorParameters<typeof WebSocketCloseError>[0], string][] = [
      [{ code: 1012, reason: 'restart', wasClean: true }, 'WebSocket closed (code 1012, "restart").'],
      [{ code: 1006 }, 'WebSocket closed (code 1006, not cleanly).'],
      [{ code: 1006, cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }, 'WebSocket failed (code 1006, not cleanly): connect ECONNREFUSED 127.0.0.1:9.'],
      [{ code: 1006, cause: 'no network!' }, 'WebSocket failed (code 1006, not cleanly): no network!'],
      [{ kind: 'timeout', code: 1006 }, 'WebSocket timed out connecting (code 1006, not cleanly).'],
      [{ kind: 'heartbeat', code: 1006 }, 'WebSocket missed its heartbeat (code 1006, not cleanly).'],
      [{ kind: 'handshake', code: 1006, cause: { message: 'bad token' } }, 'WebSocket handshake failed (code 1006, not cleanly): bad token.'],
      [{ code: 4000, message: 'mine' }, 'mine'],
    ];
    for (const [init, message] of cases) expect(new WebSocketCloseError(init).message).toBe(message);
  });

  test('kind defaults to error with a cause, close without; the cause is a non-enumerable own property, absent without one', () => {
    const cause = new Error('boom');
    const failed = new WebSocketCloseError({ code: 1006, cause });
    expect([failed.kind, failed.cause, failed.reason, failed.wasClean]).toEqual(['error', cause, '', false]);
    expect(Object.getOwnPropertyDescriptor(failed, 'cause')).toEqual({ value: cause, writable: true, enumerable: false, configurable: true });
    const closed = new WebSocketCloseError({ code: 1001, reason: 'away', wasClean: true });
    expect([closed.kind, 'cause' in closed, closed.name]).toEqual(['close', false, 'WebSocketCloseError']);
    expect([closed instanceof WebSocketCloseError, new Error('x') instanceof WebSocketCloseError, (null as unknown) instanceof WebSocketCloseError, ('x' as unknown) instanceof WebSocketCloseError]).toEqual([true, false, false, false]);
  });
});
