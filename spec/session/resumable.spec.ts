// resumable(): the client's end of rxws.session.v1, against a real server (rxws/testing) that
// plays the server's part of the protocol frame by frame, so every frame the client sends is seen.
import { webSocket, reconnect, handshake, MessageEvent, WebSocket, WebSocketCloseError, type SessionEvent, type DroppedMessage } from 'rxws';
import { resumable, SessionError, SESSION_PROTOCOL } from 'rxws/session';
import { createTestServer, useTestServers, type TestConnection, type TestServer } from 'rxws/testing';
import { decodeFrame, encodeData, encodeWelcome } from '../../lib/session/protocol.js';
import { firstValueFrom } from 'rxjs';
import { probes } from '../../lib/internals/node.js';
import { record, until } from '../subject/helpers.js';

useTestServers();

const sessionServer = (): Promise<TestServer> => createTestServer({ protocols: [SESSION_PROTOCOL] });

/** The next frame the server received on `connection`, decoded (text frames as they are). */
async function nextFrame(connection: TestConnection): Promise<ReturnType<typeof decodeFrame>> {
  return decodeFrame(await connection.nextMessage());
}

/** Reads the client's hello and answers it: a new session `id`, or `resumed` with what the server received. */
async function welcome(connection: TestConnection, kind: 'new' | 'resumed', id: string, received = 0): Promise<ReturnType<typeof decodeFrame>> {
  const hello = await nextFrame(connection);
  connection.send(encodeWelcome(id, kind, received));
  return hello;
}

const text = (seq: number, ack: number, value: unknown): string => encodeData(seq, ack, JSON.stringify(value)) as string;

describe('a new session', () => {
  test('hello, welcome, numbered messages both ways, piggybacked and idle acknowledgements', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<unknown>({ url: server.url, session: resumable({ ackInterval: 20 }) });
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$);
    const connection = await server.nextConnection();
    expect(connection.request.protocols).toEqual([SESSION_PROTOCOL]);
    expect(await welcome(connection, 'new', 'session-1')).toEqual({ type: 'hello', session: null, received: 0 });
    await until(() => events.length === 1);
    expect(events).toEqual([{ kind: 'new', id: 'session-1' }]);

    ws$.next({ order: 1 });
    expect(await connection.nextMessage()).toBe('D1:0:{"order":1}');
    connection.send(text(1, 1, { fill: 1 }));
    connection.send(text(2, 1, { fill: 2 }));
    await until(() => r.values.length === 2);
    expect(r.values).toEqual([{ fill: 1 }, { fill: 2 }]);
    // Nothing to send: an ack frame within ackInterval.
    expect(await connection.nextMessage()).toBe('A2');
    ws$.next({ order: 2 });
    expect(await connection.nextMessage()).toBe('D2:2:{"order":2}');
    connection.send(text(3, 2, { fill: 3 }));
    await until(() => r.values.length === 3);
    ws$.next({ order: 3 }); // acknowledges fill 3 on its way
    expect(await connection.nextMessage()).toBe('D3:3:{"order":3}');
    r.subscription.unsubscribe();
  });

  test('an idle receiver acknowledges every ackEvery messages at once', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable({ ackEvery: 3, ackInterval: 60_000 }) });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    for (let seq = 1; seq <= 6; seq++) connection.send(text(seq, 0, seq));
    expect(await connection.nextMessage()).toBe('A3');
    expect(await connection.nextMessage()).toBe('A6');
    expect(r.values).toEqual([1, 2, 3, 4, 5, 6]);
    r.subscription.unsubscribe();
  });

  test('messages given to next() before the welcome wait in the queue and go out numbered after it', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable() });
    const r = record(ws$);
    ws$.next(1);
    ws$.next(2);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    expect(await connection.nextMessage()).toBe('D1:0:1');
    expect(await connection.nextMessage()).toBe('D2:0:2');
    r.subscription.unsubscribe();
  });
});

describe("the socket's own message listeners", () => {
  // On Node, rxws's socket hands a session frame's data to the subject without making an event
  // for it when nothing else listens (lib/internals/node.ts, mayHaveListeners); with a listener
  // of its own, or with that probe's fallback, the socket dispatches each frame as before.
  afterEach(() => Object.assign(probes, found));
  const found = { ...probes };

  it.each([
    ['no listener of its own', false, true],
    ['a message listener of its own (added in openObserver)', true, true],
    ['no listener, the probe fallback forced', false, false],
  ])('%s: the subscriber and message$ see each application message once, as a MessageEvent with the origin; a listener on the socket sees the frames', async (_, listen, probed) => {
    probes.listenerCount = probed;
    const server = await sessionServer();
    const frames: unknown[] = [];
    const ws$ = webSocket<unknown>({
      url: server.url,
      session: resumable({ ackInterval: 60_000 }),
      openObserver: { next: (event) => listen && (event.target as WebSocket).addEventListener('message', (e) => frames.push((e as MessageEvent).data)) },
    });
    const events: { data: unknown; origin: string }[] = [];
    ws$.message$.subscribe((e) => events.push(e));
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    connection.send(text(1, 0, { fill: 1 }));
    connection.send(text(2, 0, { fill: 2 }));
    await until(() => r.values.length === 2);
    expect(r.values).toEqual([{ fill: 1 }, { fill: 2 }]);
    expect(events.map((e) => [e instanceof MessageEvent, e.data, e.origin])).toEqual([
      [true, '{"fill":1}', server.url.replace(/^ws:\/\/([^/]+).*$/, 'ws://$1')],
      [true, '{"fill":2}', server.url.replace(/^ws:\/\/([^/]+).*$/, 'ws://$1')],
    ]);
    expect(frames).toEqual(listen ? [encodeWelcome('s', 'new', 0), text(1, 0, { fill: 1 }), text(2, 0, { fill: 2 })] : []);
    r.subscription.unsubscribe();
  });
});

describe('text messages on the wire', () => {
  // rxws's Node socket frames a short text message and its envelope itself (text-frame.ts); a
  // long one, or one on a connection with permessage-deflate, goes through ws.send().
  it.each([
    ['without an extension', false],
    ['with permessage-deflate', true],
  ])('%s: short, long and UTF-8 messages reach the server exactly, numbered, and bufferedAmount returns to 0', async (_, deflate) => {
    const server = await createTestServer({ protocols: [SESSION_PROTOCOL], perMessageDeflate: deflate });
    let socket: WebSocket | undefined;
    const ws$ = webSocket<string>({ url: server.url, session: resumable(), serializer: (m) => m, openObserver: { next: (e) => (socket = e.target as WebSocket) } });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    const sent = ['', 'a', 'é€𝄞 a\ud800', 'x'.repeat(4089), 'y'.repeat(4090), 'z'.repeat(70_000)];
    for (const m of sent) ws$.next(m);
    for (let i = 0; i < sent.length; i++) expect(await connection.nextMessage()).toBe(`D${i + 1}:0:${sent[i]!.replace('\ud800', '\ufffd')}`);
    expect(socket!.extensions).toBe(deflate ? 'permessage-deflate' : '');
    await until(() => socket!.bufferedAmount === 0);
    r.subscription.unsubscribe();
  });
});

describe('resuming after a dropped connection', () => {
  test('the client replays what the server did not acknowledge, then what next() queued while away; duplicates are dropped', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable({ ackInterval: 60_000 }) });
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const first = await server.nextConnection();
    await welcome(first, 'new', 'abc');
    ws$.next(1);
    ws$.next(2);
    expect(await first.nextMessage()).toBe('D1:0:1');
    expect(await first.nextMessage()).toBe('D2:0:2');
    first.send(encodeData(1, 1, '10') as string); // acknowledges 1, not 2
    await until(() => r.values.length === 1);
    const closed = firstValueFrom(ws$.close$);
    first.drop();
    await closed; // (the next connection waits for the server's welcome: next() queues)
    ws$.next(3); // while away

    const second = await server.nextConnection({ timeout: 5000 });
    expect(await welcome(second, 'resumed', 'abc', 1)).toEqual({ type: 'hello', session: 'abc', received: 1 });
    expect(await second.nextMessage()).toBe('D2:1:2'); // replayed, same number
    expect(await second.nextMessage()).toBe('D3:1:3'); // then the queue
    second.send(encodeData(1, 3, '10') as string); // a duplicate of what arrived before the drop
    second.send(encodeData(2, 3, '20') as string);
    await until(() => r.values.length === 2);
    expect(r.values).toEqual([10, 20]);
    expect(events).toEqual([
      { kind: 'new', id: 'abc' },
      { kind: 'resumed', id: 'abc' },
    ]);
    r.subscription.unsubscribe();
  });

  test("a server that no longer knows the session answers 'new': session$ reports lost with exactly the unacknowledged messages, none resent", async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable({ ackInterval: 60_000 }) });
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const first = await server.nextConnection();
    await welcome(first, 'new', 'old');
    ws$.next(1);
    ws$.next(2);
    expect(await first.nextMessage()).toBe('D1:0:1');
    expect(await first.nextMessage()).toBe('D2:0:2');
    first.send(encodeData(1, 1, '10') as string); // acknowledges 1
    await until(() => r.values.length === 1);
    const closed = firstValueFrom(ws$.close$);
    first.drop();
    await closed; // (the next connection waits for the server's welcome: next() queues)
    ws$.next(3);

    const second = await server.nextConnection({ timeout: 5000 });
    expect(await welcome(second, 'new', 'fresh')).toEqual({ type: 'hello', session: 'old', received: 1 });
    await until(() => events.length === 3);
    expect(events).toEqual([
      { kind: 'new', id: 'old' },
      { kind: 'lost', id: 'old', unacknowledged: ['2', '3'] },
      { kind: 'new', id: 'fresh' },
    ]);
    expect(ws$.queueLength).toBe(0);
    ws$.next(4); // the first message of the new session: nothing was resent before it
    expect(await second.nextMessage()).toBe('D1:0:4');
    r.subscription.unsubscribe();
  });

  test("the server's clean close with 1000 ends the session: messages still waiting for room in the replay buffer (never sent) are reported lost", async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable({ replayLimit: { messages: 1 } }) });
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    ws$.next(1);
    ws$.next(2); // no room until 1 is acknowledged
    ws$.next(3);
    expect(await connection.nextMessage()).toBe('D1:0:1');
    void connection.close(1000, 'done');
    expect((await r.done).kind).toBe('C');
    expect(events).toEqual([
      { kind: 'new', id: 's' },
      { kind: 'lost', id: 's', unacknowledged: ['2'] },
    ]);
  });

  test('a clean close with 1000 ends the session: the next connection starts a new one', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable() });
    const r = record(ws$);
    const first = await server.nextConnection();
    await welcome(first, 'new', 'one');
    ws$.next(1);
    ws$.complete();
    expect(await first.nextMessage()).toBe('D1:0:1');
    expect(await first.waitForClose()).toMatchObject({ code: 1000 });
    expect((await r.done).kind).toBe('C');
    const again = record(ws$);
    const second = await server.nextConnection();
    expect(await welcome(second, 'new', 'two')).toEqual({ type: 'hello', session: null, received: 0 });
    ws$.next(2);
    expect(await second.nextMessage()).toBe('D1:0:2');
    again.subscription.unsubscribe();
  });
});

describe('the replay buffer', () => {
  test('bounded in messages: sending stops when it is full and goes on as acknowledgements make room', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable({ replayLimit: { messages: 2 } }) });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    for (let i = 1; i <= 5; i++) ws$.next(i);
    expect(await connection.nextMessage()).toBe('D1:0:1');
    expect(await connection.nextMessage()).toBe('D2:0:2');
    expect(ws$.queueLength).toBe(2); // 3 held for room, 4 and 5 queued
    connection.send('A1');
    expect(await connection.nextMessage()).toBe('D3:0:3');
    connection.send('A3');
    expect(await connection.nextMessage()).toBe('D4:0:4');
    expect(await connection.nextMessage()).toBe('D5:0:5');
    r.subscription.unsubscribe();
  });

  test('bounded in bytes (UTF-8); a message larger than the whole bound is refused by next() with a RangeError', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<string>({ url: server.url, serializer: (s) => s, deserializer: (e) => String(e.data), session: resumable({ replayLimit: { bytes: 8 } }) });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    ws$.next('éé'); // 4 bytes
    ws$.next('abcd'); // 4 bytes: 8, full
    ws$.next('x');
    expect(await connection.nextMessage()).toBe('D1:0:éé');
    expect(await connection.nextMessage()).toBe('D2:0:abcd');
    connection.send('A1');
    expect(await connection.nextMessage()).toBe('D3:0:x');
    expect(() => ws$.next('123456789')).toThrow(RangeError);
    r.subscription.unsubscribe();
  });

  test('while it is full the queue fills and its overflow policy reports drops on dropped$; nothing is both reported and delivered', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, queue: { limit: 1 }, session: resumable({ replayLimit: { messages: 1 } }) });
    const dropped: DroppedMessage[] = [];
    ws$.dropped$.subscribe((d) => dropped.push(d));
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    await until(() => events.length === 1); // established: next() writes at once
    for (let i = 1; i <= 4; i++) ws$.next(i); // 1 sent, 2 held, 3 queued then pushed out by 4
    expect(await connection.nextMessage()).toBe('D1:0:1');
    expect(dropped).toEqual([{ data: '3', reason: 'overflow' }]);
    connection.send('A1');
    expect(await connection.nextMessage()).toBe('D2:0:2');
    connection.send('A2');
    expect(await connection.nextMessage()).toBe('D3:0:4');
    r.subscription.unsubscribe();
  });
});

describe('binary and unsequenced messages', () => {
  test('binary messages are framed with an ASCII header and arrive as ArrayBuffers', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<Uint8Array, ArrayBuffer>({ url: server.url, serializer: (b) => b, deserializer: (e) => e.data as ArrayBuffer, session: resumable() });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    ws$.next(new Uint8Array([1, 2, 255]));
    const frame = (await connection.nextMessage()) as Uint8Array;
    expect(Buffer.from(frame)).toEqual(Buffer.concat([Buffer.from('D1:0:'), Buffer.from([1, 2, 255])]));
    connection.send(new Uint8Array([...Buffer.from('D1:1:'), 9, 8, 7])); // a binary data frame
    await until(() => r.values.length === 1);
    expect(r.values[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(r.values[0]!)]).toEqual([9, 8, 7]);
    r.subscription.unsubscribe();
  });

  test("a handshake's messages go outside the sequence (U frames), after the welcome", async () => {
    const server = await sessionServer();
    const ws$ = webSocket<unknown>({
      url: server.url,
      session: resumable(),
      handshake: handshake(({ send }) => {
        send({ auth: 'token' });
      }),
    });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    expect(await connection.nextMessage()).toBe('U{"auth":"token"}');
    ws$.next('after');
    expect(await connection.nextMessage()).toBe('D1:0:"after"');
    connection.send('U{"hello":1}');
    await until(() => r.values.length === 1);
    expect(r.values).toEqual([{ hello: 1 }]);
    r.subscription.unsubscribe();
  });
});

describe('failures: a SessionError, never retried', () => {
  test('a server that does not select rxws.session.v1 (the handshake fails): SessionError naming the subprotocol, reconnect() does not retry', async () => {
    const server = await createTestServer(); // selects no subprotocol
    const ws$ = webSocket({ url: server.url, session: resumable() });
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const done = await r.done;
    expect(done.kind).toBe('E');
    const error = (done as { error: unknown }).error as SessionError;
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ name: 'SessionError', kind: 'session', code: 1006 });
    expect(error.message).toContain("did not select the subprotocol 'rxws.session.v1'");
    expect(server.handshakes).toHaveLength(1); // no second attempt
  });

  test('a server that selects any subprotocol but does not speak it (echoes the hello): SessionError at once, not retried', async () => {
    const server = await createTestServer({ protocols: (offered) => offered[0] ?? false });
    server.onConnection((connection) => {
      void connection.nextMessage().then((hello) => connection.send(hello));
    });
    const ws$ = webSocket({ url: server.url, session: resumable() });
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const done = await r.done;
    const error = (done as { error: Error }).error;
    expect(error).toBeInstanceOf(SessionError);
    expect(error.message).toContain('it sent a hello');
    expect(await server.connections[0]!.waitForClose()).toMatchObject({ code: 4002 });
    expect(server.connections).toHaveLength(1);
  });

  test('a server that selects the subprotocol and never answers the hello: SessionError after welcomeTimeout, closed with 1000', async () => {
    const server = await sessionServer();
    const ws$ = webSocket({ url: server.url, session: resumable({ welcomeTimeout: 100 }) });
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const connection = await server.nextConnection();
    const done = await r.done;
    expect((done as { error: Error }).error.message).toContain('did not answer the session\'s hello within 100 ms');
    expect(await connection.waitForClose()).toMatchObject({ code: 1000, reason: 'no session welcome' });
    expect(server.connections).toHaveLength(1);
  });

  test('a frame that is not a session frame: closed with 4002, SessionError', async () => {
    const server = await sessionServer();
    const ws$ = webSocket({ url: server.url, session: resumable() });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    connection.send('{"plain":"json"}');
    const done = await r.done;
    expect((done as { error: unknown }).error).toBeInstanceOf(SessionError);
    expect(String((done as { error: Error }).error.message)).toContain('not a session frame');
    expect(await connection.waitForClose()).toMatchObject({ code: 4002 });
  });

  test('a gap in the sequence is a protocol error; nothing after the gap is delivered', async () => {
    const server = await sessionServer();
    const ws$ = webSocket<number>({ url: server.url, session: resumable() });
    const r = record(ws$);
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    connection.send(text(1, 0, 1));
    connection.send(text(3, 0, 3));
    const done = await r.done;
    expect(r.values).toEqual([1]);
    expect((done as { error: Error }).error.message).toContain('message 3 came after 1');
  });

  test('4409 (another connection took the session over): SessionError, not retried', async () => {
    const server = await sessionServer();
    const ws$ = webSocket({ url: server.url, session: resumable() });
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    const connection = await server.nextConnection();
    await welcome(connection, 'new', 's');
    await connection.close(4409, 'replaced');
    const done = await r.done;
    expect((done as { error: unknown }).error).toMatchObject({ name: 'SessionError', code: 4409, kind: 'session' });
    expect(server.connections).toHaveLength(1);
  });
});

describe('configuration', () => {
  test('bad options and combinations are TypeErrors naming the option', () => {
    expect(() => webSocket({ url: 'ws://x', session: {} as never })).toThrow(/'session' must be made by resumable\(\) from 'rxws\/session'/);
    expect(() => webSocket({ url: 'ws://x', protocol: 'chat', session: resumable() })).toThrow(/cannot be combined with 'protocol'/);
    expect(() => webSocket({ url: 'ws://x', binaryType: 'blob', session: resumable() })).toThrow(/'binaryType' must be 'arraybuffer'/);
    expect(() => resumable({ ackEvery: 0 })).toThrow(/ackEvery/);
    expect(() => resumable({ replayLimit: { bytes: -1 } })).toThrow(/replayLimit\.bytes/);
    expect(() => resumable({ replay: 1 } as never)).toThrow(/unknown option 'replay'/);
    expect(() => resumable({ welcomeTimeout: -5 })).toThrow(/welcomeTimeout/);
  });

  test('a subject without a session: session$ never emits, and nothing is framed', async () => {
    const server = await createTestServer();
    const ws$ = webSocket<number>({ url: server.url });
    const events: SessionEvent[] = [];
    ws$.session$.subscribe((e) => events.push(e));
    const r = record(ws$);
    const connection = await server.nextConnection();
    ws$.next(1);
    expect(await connection.nextMessage()).toBe('1');
    expect(events).toEqual([]);
    r.subscription.unsubscribe();
  });
});
