// acceptSessions() (rxws/node), the server side of rxws.session.v1 (issue 17), against real `ws`
// WebSocketServers on 127.0.0.1 and real `ws` clients speaking the protocol by hand.
import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { WebSocketServer } from 'ws';
import { probes as wsProbes } from '../../lib/internals/ws.js';
import { acceptSessions, memorySessionStore, type Session } from 'rxws/node';
import { QueueOverflowError } from 'rxws';
import { encodeAck, encodeData, encodeHello, encodeUnsequenced, SESSION_PROTOCOL } from '../../lib/session/protocol.js';
import { asyncStore, collect, SessionClient, Sessions, startWss, stateOf, textOf, until, useSessionTeardown, type Mode } from './session-helpers.js';

useSessionTeardown();

describe('a new session', () => {
  it('a hello without a session gets welcome new with a fresh id, and the Session is emitted, connected', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const { client, welcome } = await SessionClient.start(url);
    expect(client.ws.protocol).toBe(SESSION_PROTOCOL);
    expect(welcome).toMatchObject({ kind: 'new', received: 0 });
    expect(welcome.session).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const session = await sessions.next();
    expect(session.id).toBe(welcome.session);
    expect(session.state).toBe('connected');
    sessions.subscription.unsubscribe();
  });

  it('two clients get two sessions with different ids', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const a = await SessionClient.start(url);
    const b = await SessionClient.start(url);
    expect(a.welcome.session).not.toBe(b.welcome.session);
    expect((await sessions.next()).id).toBe(a.welcome.session);
    expect((await sessions.next()).id).toBe(b.welcome.session);
  });
});

describe('messages both ways', () => {
  it('delivers the client data frames in order (JSON), and an idle server acknowledges them with an ack frame', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.data(1, 0, '{"buy":"EURUSD"}');
    client.data(2, 0, '{"buy":"GBPUSD"}');
    expect(await sessions.receive(session, 2)).toEqual([{ buy: 'EURUSD' }, { buy: 'GBPUSD' }]);
    // Nothing to send: an ack frame (after ackInterval, 50 ms by default), covering both.
    const ack = await client.nextOf('ack');
    expect(ack.ack).toBe(2);
  });

  it('sends next() as data frames numbered from 1 with the received seq piggybacked, and then owes no ack frame', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { ackInterval: 60_000 }));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.data(1, 0, '"order"');
    await sessions.receive(session, 1);
    session.next({ filled: 1 });
    session.next({ filled: 2 });
    const first = await client.nextOf('data');
    expect(first).toMatchObject({ seq: 1, ack: 1, binary: false });
    expect(JSON.parse(textOf(first.payload))).toEqual({ filled: 1 });
    expect(await client.nextOf('data')).toMatchObject({ seq: 2, ack: 1 });
  });

  it('acknowledges at once when ackEvery messages are unacknowledged', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { ackEvery: 3, ackInterval: 60_000 }));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    for (let seq = 1; seq <= 3; seq++) client.data(seq, 0, String(seq));
    expect(await client.nextOf('ack')).toMatchObject({ ack: 3 });
    expect(await sessions.receive(session, 3)).toEqual([1, 2, 3]);
  });

  it('delivers unsequenced frames without acknowledging them', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.send(encodeUnsequenced('{"ping":1}'));
    client.data(1, 0, '{"n":1}');
    expect(await sessions.receive(session, 2)).toEqual([{ ping: 1 }, { n: 1 }]);
    expect(await client.nextOf('ack')).toMatchObject({ ack: 1 }); // the data frame's seq: the U frame has none
  });

  it('binary in: a binary data frame arrives as a Buffer; binary out: a Buffer, an ArrayBuffer or a typed array goes out as a binary data frame', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions<Buffer | ArrayBuffer | Uint16Array | string, unknown>(wss, { serializer: (value) => value }));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.data(1, 0, new Uint8Array([0, 1, 2, 255]));
    const [received] = await sessions.receive(session, 1);
    expect(Buffer.isBuffer(received)).toBe(true);
    expect([...(received as Buffer)]).toEqual([0, 1, 2, 255]);
    session.next(Buffer.from([9, 8]));
    session.next(new Uint8Array([7]).buffer);
    session.next(new Uint16Array([0x0102]));
    session.next('text');
    const frames = [await client.nextOf('data'), await client.nextOf('data'), await client.nextOf('data'), await client.nextOf('data')];
    expect(frames.map((f) => f.binary)).toEqual([true, true, true, false]);
    const bytes = frames.slice(0, 3).map((f) => [...new Uint8Array((f.payload as Buffer).buffer, (f.payload as Buffer).byteOffset, (f.payload as Buffer).byteLength)]);
    expect(bytes).toEqual([[9, 8], [7], [...new Uint8Array(new Uint16Array([0x0102]).buffer)]]);
    expect(frames[3]!.payload).toBe('text');
  });

  it('a custom deserializer gets { data }; one that throws reports on decodeError$ and the session carries on', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(
      acceptSessions<string, string>(wss, {
        deserializer: ({ data }) => {
          if (data === 'bad') throw new Error('bad message');
          return `got ${String(data)}`;
        },
      }),
    );
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    const errors = collect(session.decodeError$);
    client.data(1, 0, 'bad');
    client.data(2, 0, 'good');
    expect(await sessions.receive(session, 1)).toEqual(['got good']);
    expect(errors.values).toEqual([{ data: 'bad', error: new Error('bad message') }]);
  });
});

describe('data frames on the wire', () => {
  // A burst of next() is framed by acceptSessions itself into one buffer (lib/node/data-frames.ts)
  // when no extension is negotiated, and goes through ws.send() when one is (permessage-deflate).
  const sizes = [0, 1, ...Array.from({ length: 16 }, (_, i) => 110 + i), ...Array.from({ length: 16 }, (_, i) => 65_518 + i), 70_000];
  const payloadOf = (size: number, i: number): string => String.fromCharCode(0x61 + (i % 26)).repeat(size);

  afterEach(() => (wsProbes.socket = socketProbe));
  const socketProbe = wsProbes.socket;

  it.each([
    ['framed by acceptSessions (no extension)', false, true],
    ['framed by ws (permessage-deflate negotiated)', true, true],
    ["framed by ws (ws's TCP socket unknown: the probe's fallback)", false, false],
  ])('%s: every length form of a frame (7, 16 and 64 bits), UTF-8 text and binary arrive intact, in order', async (_, deflate, probed) => {
    wsProbes.socket = probed;
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: acceptSessions.handleProtocols, perMessageDeflate: deflate });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    try {
      const sessions = new Sessions(acceptSessions<string | Uint8Array, unknown>(wss, { serializer: (value) => value, replayLimit: { bytes: 8 << 20 } }));
      const { client } = await SessionClient.start(url);
      expect(client.ws.extensions).toBe(deflate ? 'permessage-deflate' : '');
      const session = await sessions.next();
      const sent: (string | Uint8Array)[] = sizes.map(payloadOf);
      sent.push('é€𝄞 \ud800!', new Uint8Array([0, 255, 1, 254]), new Uint8Array(70_000).fill(7), '');
      for (const value of sent) session.next(value); // one burst
      const frames = [];
      for (let i = 0; i < sent.length; i++) frames.push(await client.nextOf('data'));
      expect(frames.map((f) => f.seq)).toEqual(sent.map((_, i) => i + 1));
      expect(frames.map((f) => f.binary)).toEqual(sent.map((value) => typeof value !== 'string'));
      const texts = frames.map((f) => (f.binary ? [...(f.payload as Buffer)] : f.payload));
      // A lone surrogate goes out as U+FFFD, as a WebSocket sends it (and the replay buffer counts it).
      expect(texts).toEqual(sent.map((value) => (typeof value === 'string' ? value.replace('\ud800', '\ufffd') : [...value])));
    } finally {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});

describe('resuming', () => {
  it('after a drop, replays exactly the unacknowledged messages (and next() made while away), and drops the client duplicates', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { ackInterval: 60_000 }));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    for (const n of [1, 2, 3]) session.next(`m${n}`);
    for (let i = 0; i < 3; i++) await first.client.nextOf('data');
    first.client.send(encodeAck(1)); // m1 acknowledged
    first.client.data(1, 1, '"c1"');
    first.client.data(2, 1, '"c2"');
    await sessions.receive(session, 2); // (the ack was read before them)
    const disconnected = stateOf(session, 'disconnected');
    await first.client.drop();
    await disconnected;
    session.next('m4'); // while away

    // The client got m1 and m2 (its received: 2), and the server c1 only as far as it knows... no: both.
    const { client, welcome } = await SessionClient.start(url, first.welcome.session, 2);
    expect(welcome).toMatchObject({ kind: 'resumed', session: first.welcome.session, received: 2 });
    const replayed = [await client.nextOf('data'), await client.nextOf('data')];
    expect(replayed.map((f) => [f.seq, JSON.parse(textOf(f.payload))])).toEqual([
      [3, 'm3'],
      [4, 'm4'],
    ]);
    expect(replayed.every((f) => f.ack === 2)).toBe(true);
    client.data(2, 4, '"c2"'); // a duplicate: dropped
    client.data(3, 4, '"c3"');
    await sessions.receive(session, 3);
    expect(sessions.receivedBy(session)).toEqual(['c1', 'c2', 'c3']);
    expect(session.state).toBe('connected');
    expect(sessions.all).toHaveLength(1); // the same Session object
  });

  it('next() while disconnected is kept and replayed on resume, in order', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    await first.client.drop();
    await stateOf(session, 'disconnected');
    session.next('a');
    session.next('b');
    const { client, welcome } = await SessionClient.start(url, first.welcome.session, 0);
    expect(welcome.kind).toBe('resumed');
    expect((await client.nextOf('data')).payload).toBe('"a"');
    expect((await client.nextOf('data')).payload).toBe('"b"');
  });

  it('a hello for an unknown id gets new (with another id)', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const { welcome } = await SessionClient.start(url, 'AAAAAAAAAAAAAAAAAAAAAA', 5);
    expect(welcome.kind).toBe('new');
    expect(welcome.session).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect((await sessions.next()).id).toBe(welcome.session);
  });

  it('a second connection resuming a connected session replaces the first (closed with 4409); messages go to the second only', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { ackInterval: 60_000 }));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    session.next('one');
    await first.client.nextOf('data');
    const second = await SessionClient.start(url, first.welcome.session, 1);
    expect(second.welcome).toMatchObject({ kind: 'resumed', received: 0 });
    expect(await first.client.closed).toMatchObject({ code: 4409 });
    session.next('two');
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"two"' });
    expect(first.client.frames.filter((f) => f.type === 'data')).toHaveLength(1);
    expect(session.state).toBe('connected');
  });
});

describe('identity', () => {
  const identify = (request: { headers: Record<string, string | string[] | undefined> }) => request.headers['x-user'] as string | undefined;

  it('a session resumes only for the identity it was created for; anyone else gets new and the session is untouched', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { identify }));
    const alice = await SessionClient.start(url, null, 0, { 'x-user': 'alice' });
    const session = await sessions.next();
    await alice.client.drop();
    await stateOf(session, 'disconnected');
    session.next('for alice');

    const mallory = await SessionClient.start(url, alice.welcome.session, 0, { 'x-user': 'mallory' });
    expect(mallory.welcome.kind).toBe('new');
    expect(mallory.welcome.session).not.toBe(alice.welcome.session);
    expect(session.state).toBe('disconnected');

    const back = await SessionClient.start(url, alice.welcome.session, 0, { 'x-user': 'alice' });
    expect(back.welcome.kind).toBe('resumed');
    expect((await back.client.nextOf('data')).payload).toBe('"for alice"');
  });

  it('identify that throws refuses the connection (1008)', async () => {
    const { wss, url } = await startWss();
    new Sessions(
      acceptSessions(wss, {
        identify: () => {
          throw new Error('no token');
        },
      }),
    );
    const client = await SessionClient.open(url);
    client.send(encodeHello(null, 0));
    expect(await client.closed).toMatchObject({ code: 1008 });
  });

  it('identify may be async', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { identify: async (request) => request.headers['x-user'] as string }));
    const first = await SessionClient.start(url, null, 0, { 'x-user': 'bob' });
    const session = await sessions.next();
    await first.client.drop();
    await stateOf(session, 'disconnected');
    expect((await SessionClient.start(url, first.welcome.session, 0, { 'x-user': 'bob' })).welcome.kind).toBe('resumed');
  });
});

describe('the end of a session', () => {
  it('expires after expireAfter without a connection: state expired, the Session completes, a resume gets new', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { expireAfter: 100 }));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    const states = lastValueFrom(session.state$.pipe(toArray()));
    const completed = lastValueFrom(session.pipe(toArray()));
    await first.client.drop();
    expect(await states).toEqual(['connected', 'disconnected', 'expired']);
    await completed;
    expect(session.closed).toBe(true);
    const again = await SessionClient.start(url, first.welcome.session, 0);
    expect(again.welcome.kind).toBe('new');
    expect((await sessions.next()).id).toBe(again.welcome.session);
  });

  it('a resume within expireAfter keeps it from expiring', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { expireAfter: 200 }));
    const a = await SessionClient.start(url);
    const kept = await sessions.next();
    const b = await SessionClient.start(url);
    const clock = await sessions.next(); // dropped after the first: expires after it would have
    await a.client.drop();
    await stateOf(kept, 'disconnected');
    await b.client.drop();
    await stateOf(clock, 'disconnected');
    const resumed = await SessionClient.start(url, a.welcome.session, 0);
    expect(resumed.welcome.kind).toBe('resumed');
    await stateOf(clock, 'expired');
    resumed.client.data(1, 0, '"still here"');
    expect(await sessions.receive(kept, 1)).toEqual(['still here']);
    expect(kept.state).toBe('connected');
  });

  it('session.close() sends close 1000 after the messages before it, ends the session, and a resume gets new', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    const completed = lastValueFrom(session.state$.pipe(toArray()));
    session.next('bye');
    session.close();
    expect(await first.client.closed).toMatchObject({ code: 1000 });
    expect(first.client.frames.filter((f) => f.type === 'data').map((f) => f.payload)).toEqual(['"bye"']);
    expect(await completed).toEqual(['connected', 'disconnected']);
    expect((await SessionClient.start(url, first.welcome.session, 1)).welcome.kind).toBe('new');
  });

  it('with a store that answers later, session.close() still sends the messages before it first, and a client message that arrived just before a client close 1000 is delivered', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { store: asyncStore() }));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    session.next('one');
    session.next('bye');
    session.close();
    expect(await first.client.closed).toMatchObject({ code: 1000 });
    expect(first.client.frames.filter((f) => f.type === 'data').map((f) => f.payload)).toEqual(['"one"', '"bye"']);

    const second = await SessionClient.start(url);
    const other = await sessions.next();
    const got = collect(other);
    second.client.send(encodeData(1, 0, '"last words"'));
    second.client.ws.close(1000);
    await stateOf(other, 'disconnected');
    await until(() => other.closed);
    expect(got.values).toEqual(['last words']);
  });

  it('a close 1000 from the client ends the session', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    const completed = lastValueFrom(session.pipe(toArray()), { defaultValue: [] });
    first.client.ws.close(1000);
    await completed;
    expect(session.closed).toBe(true);
    expect((await SessionClient.start(url, first.welcome.session, 0)).welcome.kind).toBe('new');
  });

  it('session.close(code) with another code closes the connection only: the client may resume', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    session.close(1012, 'restart');
    expect(await first.client.closed).toEqual({ code: 1012, reason: 'restart' });
    await stateOf(session, 'disconnected');
    expect((await SessionClient.start(url, first.welcome.session, 0)).welcome.kind).toBe('resumed');
  });
});

describe('protocol errors', () => {
  it('a first frame that is not hello closes with 1002', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const client = await SessionClient.open(url);
    client.data(1, 0, 'too early');
    expect(await client.closed).toMatchObject({ code: 1002 });
    expect(client.frames).toEqual([]);
    expect(sessions.all).toEqual([]);
  });

  it('a malformed first frame closes with 1002', async () => {
    const { wss, url } = await startWss();
    new Sessions(acceptSessions(wss));
    const client = await SessionClient.open(url);
    client.send('H{not json');
    expect(await client.closed).toMatchObject({ code: 1002 });
  });

  it('a gap in the client seq closes with 1002 and is not delivered; the session stays', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.data(1, 0, '1');
    client.data(3, 0, '3');
    expect(await client.closed).toMatchObject({ code: 1002 });
    expect(sessions.receivedBy(session)).toEqual([1]);
    await stateOf(session, 'disconnected');
  });

  it('an ack of a message never sent, or a second hello, closes with 1002', async () => {
    const { wss, url } = await startWss();
    new Sessions(acceptSessions(wss));
    const a = await SessionClient.start(url);
    a.client.send(encodeAck(5));
    expect(await a.client.closed).toMatchObject({ code: 1002 });
    const b = await SessionClient.start(url);
    b.client.send(encodeHello(null, 0));
    expect(await b.client.closed).toMatchObject({ code: 1002 });
  });
});

describe('bounds', () => {
  it('the replay buffer holds at most replayLimit.messages unacknowledged; the queue drops the oldest beyond its limit (dropped$, overflow); acks let the rest go, in order', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { replayLimit: { messages: 2 }, queue: { limit: 2 } }));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    const dropped = collect(session.dropped$);
    for (let n = 1; n <= 6; n++) session.next(n);
    expect(dropped.values).toEqual([
      { data: '3', reason: 'overflow' },
      { data: '4', reason: 'overflow' },
    ]);
    expect((await client.nextOf('data')).payload).toBe('1');
    expect((await client.nextOf('data')).payload).toBe('2');
    client.send(encodeAck(2));
    expect(await client.nextOf('data')).toMatchObject({ seq: 3, payload: '5' });
    expect(await client.nextOf('data')).toMatchObject({ seq: 4, payload: '6' });
    expect(client.frames.filter((f) => f.type === 'data')).toHaveLength(4);
  });

  it('a resume that acknowledges part of a full replay buffer replays the rest before the queued messages it made room for', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { replayLimit: { messages: 2 } }));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    for (let n = 1; n <= 4; n++) session.next(n); // 1, 2 sent; 3, 4 queued
    await first.client.nextOf('data');
    await first.client.nextOf('data');
    await first.client.drop();
    await stateOf(session, 'disconnected');
    const { client } = await SessionClient.start(url, first.welcome.session, 1);
    const frames = [await client.nextOf('data'), await client.nextOf('data')];
    expect(frames.map((f) => [f.seq, f.payload])).toEqual([
      [2, '2'],
      [3, '3'],
    ]);
    client.send(encodeAck(2)); // room for 4
    expect(await client.nextOf('data')).toMatchObject({ seq: 4, payload: '4' });
  });

  it('the replay buffer is bounded in bytes too (a message larger than the whole bound is refused: next() throws a RangeError)', async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions<string>(wss, { replayLimit: { bytes: 10 }, serializer: (s) => s }));
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    expect(() => session.next('12345678901234')).toThrow(RangeError); // 14 bytes: never fits
    session.next('abcd');
    session.next('efgh'); // 8 bytes: together
    session.next('ijk'); // 11: waits
    expect((await client.nextOf('data')).payload).toBe('abcd');
    expect((await client.nextOf('data')).payload).toBe('efgh');
    client.send(encodeAck(2));
    expect(await client.nextOf('data')).toMatchObject({ seq: 3, payload: 'ijk' });
  });

  it("queue overflow 'error': next() throws a QueueOverflowError, and the message is reported", async () => {
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { replayLimit: { messages: 1 }, queue: { limit: 1, overflow: 'error' } }));
    await SessionClient.start(url);
    const session = await sessions.next();
    const dropped = collect(session.dropped$);
    session.next('a');
    session.next('b');
    expect(() => session.next('c')).toThrow(QueueOverflowError);
    expect(dropped.values).toEqual([{ data: '"c"', reason: 'overflow' }]);
  });
});

describe.each<Mode>(['port', 'server', 'noServer'])('a WebSocketServer in %s mode', (mode) => {
  it('serves sessions and resumes them', async () => {
    const { wss, url } = await startWss(mode);
    const sessions = new Sessions(acceptSessions(wss));
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    first.client.data(1, 0, '"hi"');
    expect(await sessions.receive(session, 1)).toEqual(['hi']);
    await first.client.drop();
    await stateOf(session, 'disconnected');
    session.next('back');
    const { client, welcome } = await SessionClient.start(url, first.welcome.session, 0);
    expect(welcome).toMatchObject({ kind: 'resumed', received: 1 });
    expect((await client.nextOf('data')).payload).toBe('"back"');
  });
});

describe('other connections, and the subscription', () => {
  it('leaves connections without rxws.session.v1 to the application, untouched', async () => {
    const { wss, url } = await startWss();
    new Sessions(acceptSessions(wss));
    const seen: { protocol: string; listeners: number }[] = [];
    wss.on('connection', (ws) => {
      seen.push({ protocol: ws.protocol, listeners: ws.listenerCount('message') });
      ws.on('message', (data) => ws.send(`echo ${String(data)}`));
    });
    for (const protocols of [[], ['chat']]) {
      const client = await SessionClient.open(url, protocols);
      const echoed = new Promise<string>((resolve) => client.ws.once('message', (data) => resolve(String(data))));
      client.ws.send('hello');
      expect(await echoed).toBe('echo hello');
    }
    expect(seen).toEqual([
      { protocol: '', listeners: 0 },
      { protocol: 'chat', listeners: 0 },
    ]);
  });

  it('handleProtocols selects rxws.session.v1 when offered, else the first offered, else none', () => {
    expect(acceptSessions.handleProtocols(new Set(['chat', SESSION_PROTOCOL]))).toBe(SESSION_PROTOCOL);
    expect(acceptSessions.handleProtocols(new Set(['chat', 'json']))).toBe('chat');
    expect(acceptSessions.handleProtocols(new Set())).toBe(false);
  });

  it('unsubscribing removes its connection listener and takes no more sessions; the sessions emitted carry on', async () => {
    const { wss, url } = await startWss();
    const before = wss.listenerCount('connection');
    const sessions = new Sessions(acceptSessions(wss));
    expect(wss.listenerCount('connection')).toBe(before + 1);
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    sessions.subscription.unsubscribe();
    expect(wss.listenerCount('connection')).toBe(before);
    session.next('still served');
    expect((await client.nextOf('data')).payload).toBe('"still served"');
    client.data(1, 1, '"and heard"');
    expect(await sessions.receive(session, 1)).toEqual(['and heard']);
  });
});

describe('unsubscribing during a handshake', () => {
  it('a connection whose hello is being served when the subscription ends is closed with 1001, and no Session is emitted', async () => {
    const { wss, url } = await startWss();
    let identified!: (user: string) => void;
    let called!: () => void;
    const identifying = new Promise<void>((resolve) => (called = resolve));
    const sessions = new Sessions(
      acceptSessions(wss, {
        identify: () => {
          called();
          return new Promise<string>((resolve) => (identified = resolve));
        },
      }),
    );
    const client = await SessionClient.open(url);
    client.send(encodeHello(null, 0));
    await identifying;
    sessions.subscription.unsubscribe();
    identified('carol');
    expect(await client.closed).toMatchObject({ code: 1001 });
    expect(client.frames).toEqual([]);
    expect(sessions.all).toEqual([]);
  });
});

describe('a shared store: a restarted server', () => {
  it('a new WebSocketServer given the same store resumes the session, emits a Session for it with its state, and the old Session routes next() to it', async () => {
    const store = memorySessionStore();
    const one = await startWss();
    const oldSessions = new Sessions(acceptSessions(one.wss, { store, ackInterval: 60_000 }));
    const first = await SessionClient.start(one.url);
    const old = await oldSessions.next();
    first.client.data(1, 0, '"c1"');
    await oldSessions.receive(old, 1);
    old.next('s1');
    old.next('s2');
    await first.client.nextOf('data');
    await first.client.nextOf('data');
    // The server goes away (its process restarts): the client's connection drops.
    oldSessions.subscription.unsubscribe();
    await one.close();
    await stateOf(old, 'disconnected');

    const two = await startWss();
    const newSessions = new Sessions(acceptSessions(two.wss, { store }));
    const { client, welcome } = await SessionClient.start(two.url, first.welcome.session, 1); // s1 received, s2 lost
    expect(welcome).toMatchObject({ kind: 'resumed', received: 1 });
    const session = await newSessions.next();
    expect(session).not.toBe(old);
    expect(session.id).toBe(first.welcome.session);
    expect(session.state).toBe('connected');
    expect(await client.nextOf('data')).toMatchObject({ seq: 2, payload: '"s2"' });
    client.data(1, 2, '"c1"'); // a duplicate
    client.data(2, 2, '"c2"');
    expect(await newSessions.receive(session, 1)).toEqual(['c2']);
    session.next('s3');
    expect(await client.nextOf('data')).toMatchObject({ seq: 3, payload: '"s3"' });

    // The old server's Session does not send itself: the store routes its next() to the holder.
    old.next('from the old one');
    expect(await client.nextOf('data')).toMatchObject({ seq: 4, payload: '"from the old one"' });
    expect(old.state).toBe('disconnected');

    // The session ends on the new server: the old Session completes too.
    const oldDone = lastValueFrom(old.state$.pipe(toArray()));
    session.close();
    await oldDone;
    expect(old.closed).toBe(true);
  });

  it('two servers sharing a store: a client that moves from one to the other replaces its connection there (4409)', async () => {
    const store = memorySessionStore();
    const one = await startWss();
    const two = await startWss();
    const sessionsOne = new Sessions(acceptSessions(one.wss, { store }));
    const sessionsTwo = new Sessions(acceptSessions(two.wss, { store }));
    const first = await SessionClient.start(one.url);
    const onOne = await sessionsOne.next();
    const second = await SessionClient.start(two.url, first.welcome.session, 0);
    expect(second.welcome.kind).toBe('resumed');
    expect(await first.client.closed).toMatchObject({ code: 4409 });
    const onTwo = await sessionsTwo.next();
    await stateOf(onOne, 'disconnected');
    onTwo.next('here');
    expect((await second.client.nextOf('data')).payload).toBe('"here"');
    // and back to the first server: its Session holds it again, with the store's state
    const third = await SessionClient.start(one.url, first.welcome.session, 1);
    expect(third.welcome.kind).toBe('resumed');
    expect(await second.client.closed).toMatchObject({ code: 4409 });
    expect(sessionsOne.all).toEqual([onOne]);
    onOne.next('home');
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"home"' });
  });
});

describe('no leaks', () => {
  function timeouts(): number {
    return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  }

  it('a Session that ends leaves no listener on its socket and no timer', async () => {
    const { wss, url } = await startWss();
    // ws's own listeners on its socket, before acceptSessions() adds its own (this listener runs first).
    let serverSide: import('ws').WebSocket | undefined;
    const listeners = (): number[] => ['message', 'close', 'error'].map((type) => serverSide!.listenerCount(type));
    let own: number[] = [];
    wss.on('connection', (ws) => {
      serverSide = ws;
      own = listeners();
    });
    const sessions = new Sessions(acceptSessions(wss, { ackInterval: 60_000 }));
    const baseline = timeouts();
    const { client } = await SessionClient.start(url);
    const session = await sessions.next();
    client.data(1, 0, '1'); // an ack timer starts
    await sessions.receive(session, 1);
    expect(listeners()).toEqual([own[0]! + 1, own[1]! + 1, own[2]! + 1]);
    session.close();
    await client.closed;
    await until(() => listeners().join() === own.join(), 5000, 'the socket listeners to go');
    await until(() => timeouts() <= baseline, 5000, 'the timers to go');
  });

  it('an expired Session leaves no timer, and the store forgets it', async () => {
    const store = memorySessionStore();
    const { wss, url } = await startWss();
    const sessions = new Sessions(acceptSessions(wss, { store, expireAfter: 50 }));
    const baseline = timeouts();
    const first = await SessionClient.start(url);
    const session = await sessions.next();
    await first.client.drop();
    await stateOf(session, 'expired');
    await until(() => timeouts() <= baseline, 5000, 'the timers to go');
    expect(store.claim(session.id, 'someone', null, Date.now())).toBeUndefined();
  });
});

describe('options', () => {
  const wss = { on: () => undefined, off: () => undefined } as unknown as Parameters<typeof acceptSessions>[0];

  it.each([
    [{ expireAfter: -1 }, /'expireAfter' must be a whole number >= 0/],
    [{ expireAfter: 2 ** 31 }, /'expireAfter' must be at most/],
    [{ ackInterval: 1.5 }, /'ackInterval'/],
    [{ ackEvery: 0 }, /'ackEvery' must be a whole number >= 1/],
    [{ replayLimit: { bytes: 0 } }, /'replayLimit.bytes'/],
    [{ replayLimit: { count: 1 } }, /unknown replayLimit option 'count'/],
    [{ queue: { overflow: 'drop' } }, /'queue.overflow'/],
    [{ identify: 'user' }, /'identify' must be a function/],
    [{ serializer: 1 }, /'serializer' must be a function/],
    [{ store: {} }, /'store' must be a SessionStore .*'create' is not a function/],
    [{ expire: 1 }, /unknown option 'expire'/],
  ])('%j → TypeError', (options, message) => {
    expect(() => acceptSessions(wss, options as never)).toThrow(TypeError);
    expect(() => acceptSessions(wss, options as never)).toThrow(message);
  });

  it('refuses what is not a WebSocketServer', () => {
    expect(() => acceptSessions(null as never)).toThrow(/acceptSessions\(\): 'wss' must be a ws WebSocketServer, not null/);
  });

  it('close() refuses a code a server may not send, and keeps the session', async () => {
    const { wss: server, url } = await startWss();
    const sessions = new Sessions(acceptSessions(server));
    await SessionClient.start(url);
    const session = await sessions.next();
    expect(() => session.close(1006)).toThrow(/Session.close\(\): the code must be 1000, 1001–1003, 1007–1014 or 3000–4999, not 1006/);
    expect(session.state).toBe('connected');
  });

  it('a serializer that returns neither text nor bytes throws from next()', async () => {
    const { wss: server, url } = await startWss();
    const sessions = new Sessions(acceptSessions<unknown>(server, { serializer: () => 42 as never }));
    await SessionClient.start(url);
    const session: Session = await sessions.next();
    expect(() => session.next('x')).toThrow(/serializer must return a string, a Buffer, an ArrayBuffer or a typed array, not number/);
  });
});
