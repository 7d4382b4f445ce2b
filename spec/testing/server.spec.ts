import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as RxwsWebSocket } from 'rxws';
import {
  ConnectionClosedError,
  DecodeError,
  WaitTimeoutError,
  createTestServer,
  useTestServers,
  type Codec,
} from 'rxws/testing';
import { closeOf, closeWs, openWs, WsClient } from './clients.js';
import { selfSignedCertificate } from './tls.js';
import { until } from '../helpers/client.js';

useTestServers({ onLeak: 'throw' });

describe('createTestServer', () => {
  it('listens on 127.0.0.1 at a free port, and accepts raw ws, undici and rxws clients', async () => {
    const server = await createTestServer();
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);

    const raw = await openWs(`${server.url}/raw`);
    const undici = new UndiciWebSocket(`${server.url}/undici`);
    const rxws = new RxwsWebSocket(`${server.url}/rxws`);
    const paths = [];
    for (let i = 0; i < 3; i++) paths.push((await server.nextConnection()).request.path);
    expect(paths.sort()).toEqual(['/raw', '/rxws', '/undici']);
    expect(server.connections).toHaveLength(3);

    for (const socket of [undici, rxws]) {
      if (socket.readyState !== 1) await new Promise((r) => socket.addEventListener('open', r, { once: true }));
    }
    raw.send('from raw');
    undici.send('from undici');
    rxws.send('from rxws');
    const got = [await server.nextMessage(), await server.nextMessage(), await server.nextMessage()];
    expect(got.sort()).toEqual(['from raw', 'from rxws', 'from undici']);
    await closeWs(raw);
    undici.close();
    rxws.close();
    await Promise.all(server.connections.map((c) => c.closed));
  });

  it('nextConnection resolves for every connection, in order, with the upgrade request', async () => {
    const server = await createTestServer();
    const a = await openWs(`${server.url}/a?x=1`, [], { headers: { 'x-test': 'yes' } });
    const b = await openWs(`${server.url}/b`);
    const first = await server.nextConnection();
    const second = await server.nextConnection();
    expect(first.id).toBe(1);
    expect(first.request).toMatchObject({ url: '/a?x=1', path: '/a', protocols: [], remoteAddress: '127.0.0.1' });
    expect(first.request.query.get('x')).toBe('1');
    expect(first.request.headers['x-test']).toBe('yes');
    expect(first.request.raw.url).toBe('/a?x=1');
    expect(second.request.path).toBe('/b');
    expect(server.openConnections).toEqual([first, second]);
    await closeWs(a);
    await first.closed;
    expect(server.openConnections).toEqual([second]);
    expect(server.connections).toEqual([first, second]);
    await closeWs(b);
  });

  it('nextConnection times out with a message saying what happened', async () => {
    const server = await createTestServer();
    await expect(server.nextConnection({ timeout: 30 })).rejects.toThrow(
      /Timed out after 30 ms waiting for a connection to ws:\/\/127\.0\.0\.1:\d+\. Accepted so far: 0/,
    );
  });

  it('selects a subprotocol from a list, in the client order, or with a function', async () => {
    const server = await createTestServer({ protocols: ['v2', 'v1'] });
    const ws = await openWs(server.url, ['v1', 'v2']);
    expect(ws.protocol).toBe('v1');
    const connection = await server.nextConnection();
    expect(connection.protocol).toBe('v1');
    expect(connection.request.protocols).toEqual(['v1', 'v2']);
    await closeWs(ws);

    const byFn = await createTestServer({ protocols: (offered) => offered[offered.length - 1] ?? false });
    const ws2 = await openWs(byFn.url, ['a', 'b']);
    expect(ws2.protocol).toBe('b');
    await closeWs(ws2);
  });

  it('verifies the handshake: false → 401, a number or a refusal → that status', async () => {
    const server = await createTestServer({
      verify: async (request) => {
        if (request.url === '/ok') return true;
        if (request.url === '/forbidden') return 403;
        if (request.url === '/teapot') return { status: 418, headers: { 'x-why': 'tea' } };
        return false;
      },
    });
    const statusOf = (path: string): Promise<number | undefined> =>
      new Promise((resolve) => {
        const ws = new WsClient(`${server.url}${path}`);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode === 418 ? (res.headers['x-why'] === 'tea' ? 418 : -1) : res.statusCode);
          res.resume();
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
    expect(await statusOf('/forbidden')).toBe(403);
    expect(await statusOf('/teapot')).toBe(418);
    expect(await statusOf('/nope')).toBe(401);
    await closeWs(await openWs(`${server.url}/ok`));
    expect(server.handshakes.map((h) => [h.url, h.outcome, h.status])).toEqual([
      ['/forbidden', 'refused', 403],
      ['/teapot', 'refused', 418],
      ['/nope', 'refused', 401],
      ['/ok', 'accepted', undefined],
    ]);
  });

  it('negotiates permessage-deflate when enabled', async () => {
    const server = await createTestServer({ perMessageDeflate: true });
    const ws = await openWs(server.url, [], { perMessageDeflate: true });
    const connection = await server.nextConnection();
    expect(connection.extensions).toContain('permessage-deflate');
    ws.send('x'.repeat(10_000));
    await expect(connection.nextMessage()).resolves.toBe('x'.repeat(10_000));
    await closeWs(ws);

    const plain = await createTestServer();
    const ws2 = await openWs(plain.url, [], { perMessageDeflate: true });
    expect((await plain.nextConnection()).extensions).toBe('');
    await closeWs(ws2);
  });

  it('keeps text as strings and binary as exact bytes, both ways', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    ws.send('text');
    ws.send(new Uint8Array([0, 1, 254, 255]));
    ws.send(Buffer.from('{"not":"json"}'));
    await expect(connection.nextMessage()).resolves.toBe('text');
    const bytes = await connection.nextMessage<Uint8Array>();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect([...bytes]).toEqual([0, 1, 254, 255]);
    expect(await connection.nextMessage()).toEqual(new Uint8Array(Buffer.from('{"not":"json"}')));

    const received: Array<[string, boolean]> = [];
    ws.on('message', (data, isBinary) => received.push([isBinary ? [...(data as Buffer)].join(',') : data.toString(), isBinary]));
    connection.send('hi');
    connection.send(new Uint8Array([9, 8, 7]));
    connection.send(new Uint16Array([1]).buffer);
    await until(() => received.length === 3, 5000, 'three messages');
    expect(received).toEqual([['hi', false], ['9,8,7', true], ['1,0', true]]);
    expect(() => connection.send({ an: 'object' })).toThrow(/json: true/);
    await closeWs(ws);
  });

  it('json mode parses incoming text, stringifies outgoing, keeps falsy values, and reports parse failures', async () => {
    const server = await createTestServer({ json: true });
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    for (const text of ['0', '""', 'false', 'null', '{"a":[1]}', 'not json', '1']) ws.send(text);
    expect(await connection.nextMessage()).toBe(0);
    expect(await connection.nextMessage()).toBe('');
    expect(await connection.nextMessage()).toBe(false);
    expect(await connection.nextMessage()).toBe(null);
    expect(await connection.nextMessage()).toEqual({ a: [1] });
    const failure = connection.nextMessage();
    await expect(failure).rejects.toThrow(DecodeError);
    await expect(failure).rejects.toThrow(/json codec could not decode a received frame "not json"/);
    expect(await connection.nextMessage()).toBe(1);
    expect(connection.messages).toEqual([0, '', false, null, { a: [1] }, 1]);
    expect(connection.errors).toHaveLength(1);
    expect(connection.formatTranscript()).toContain('decode-error');
    // Server-wide view: the same messages (its own cursor).
    expect(server.messages).toEqual(connection.messages);
    for (let i = 0; i < 5; i++) await server.nextMessage();
    await expect(server.nextMessage()).rejects.toThrow(DecodeError);
    expect(await server.nextMessage()).toBe(1);

    const got = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    connection.send({ type: 'welcome', n: 0 });
    expect(await got).toBe('{"type":"welcome","n":0}');
    await closeWs(ws);
  });

  it('accepts a custom codec', async () => {
    const upper: Codec = {
      name: 'upper',
      decode: (data) => (typeof data === 'string' ? data.toUpperCase() : data),
      encode: (message) => `<${String(message)}>`,
    };
    const server = await createTestServer({ codec: upper });
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    ws.send('abc');
    expect(await connection.nextMessage()).toBe('ABC');
    const got = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    connection.send(42);
    expect(await got).toBe('<42>');
    await closeWs(ws);
  });

  it('nextMessage times out naming what arrived, and a timed-out wait never swallows the next message', async () => {
    const server = await createTestServer();
    const ws = await openWs(`${server.url}/chat`);
    const connection = await server.nextConnection();
    ws.send('first');
    expect(await connection.nextMessage()).toBe('first');
    const error = await connection.nextMessage({ timeout: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/Timed out after 30 ms waiting for the next message on connection #1 \(\/chat\)/);
    expect((error as Error).message).toContain('1. "first"');
    expect((error as Error).message).toMatch(/\+\d+\.\dms → server text "first"/);
    await expect(server.nextMessage()).resolves.toBe('first');
    await expect(server.nextMessage({ timeout: 20 })).rejects.toThrow(/waiting for the next message on ws:/);
    ws.send('second');
    await expect(connection.nextMessage()).resolves.toBe('second');
    await expect(server.nextMessage()).resolves.toBe('second');

    const controller = new AbortController();
    const aborted = connection.nextMessage({ signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    ws.send('third');
    await expect(connection.nextMessage()).resolves.toBe('third');
    await closeWs(ws);
  });

  it('nextMessage rejects early with the close code and reason when the connection closes first', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    const waiting = connection.nextMessage({ timeout: 5000 });
    ws.close(4001, 'bye now');
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 4001, reason: 'bye now' });
    expect((error as Error).message).toMatch(/closed \(code 4001, reason "bye now"\) before a message arrived/);
    expect(connection.closeInfo).toEqual({ code: 4001, reason: 'bye now', wasClean: true });
    await expect(connection.closed).resolves.toEqual({ code: 4001, reason: 'bye now', wasClean: true });
  });

  it('messages sent before a close are still read after it', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    ws.send('last words');
    ws.close();
    await connection.closed;
    await expect(connection.nextMessage()).resolves.toBe('last words');
    await expect(connection.nextMessage()).rejects.toThrow(ConnectionClosedError);
  });

  it('expectNoMessage resolves when quiet, rejects naming the message, and does not consume it', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    await expect(connection.expectNoMessage(30)).resolves.toBeUndefined();
    await expect(server.expectNoMessage(10)).resolves.toBeUndefined();
    const quiet = connection.expectNoMessage(500);
    ws.send('surprise');
    await expect(quiet).rejects.toThrow(/Expected no message on connection #1 \(\/\) within 500 ms, but received "surprise"/);
    await expect(connection.expectNoMessage(10)).rejects.toThrow(/there is an unread one/);
    await expect(connection.nextMessage()).resolves.toBe('surprise');
    await closeWs(ws);
  });

  it('server.send broadcasts to every open connection; connection.close sends code and reason', async () => {
    const server = await createTestServer();
    const a = await openWs(server.url);
    const b = await openWs(server.url);
    const ca = await server.nextConnection();
    await server.nextConnection();
    const got = (ws: WsClient): Promise<string> => new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
    const pa = got(a);
    const pb = got(b);
    expect(server.send('all')).toBe(2);
    expect([await pa, await pb]).toEqual(['all', 'all']);

    const closed = closeOf(a);
    await expect(ca.close(4100, 'go away')).resolves.toEqual({ code: 4100, reason: 'go away', wasClean: true });
    expect(await closed).toEqual({ code: 4100, reason: 'go away' });
    expect(() => ca.send('late')).toThrow(/Cannot send "late": connection #1 \(\/\) is closed/);
    expect(server.send('only b')).toBe(1);
    await closeWs(b);
  });

  it('keeps a timestamped transcript of each connection', async () => {
    const server = await createTestServer();
    const ws = await openWs(`${server.url}/t`);
    const connection = await server.nextConnection();
    ws.send('ping?');
    await connection.nextMessage();
    connection.send('pong!');
    ws.ping();
    await until(() => connection.transcript.some((e) => e.kind === 'ping'), 5000, 'the ping to arrive');
    await closeWs(ws);
    await connection.closed;
    const kinds = connection.transcript.map((e) => [e.direction, e.kind]);
    expect(kinds).toEqual([
      ['event', 'open'],
      ['in', 'text'],
      ['out', 'text'],
      ['in', 'ping'],
      ['in', 'close'] as never,
    ].slice(0, 4).concat([['event', 'close']] as never));
    const times = connection.transcript.map((e) => e.time);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(connection.formatTranscript()).toMatch(/\+\d+\.\dms ← server text "pong!"/);
  });

  it('serves wss:// with tls options', async () => {
    const { key, cert } = selfSignedCertificate();
    const server = await createTestServer({ tls: { key, cert } });
    expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const ws = await openWs(server.url, [], { ca: cert });
    const connection = await server.nextConnection();
    ws.send('secret');
    await expect(connection.nextMessage()).resolves.toBe('secret');
    await closeWs(ws);
  });

  it('answers plain HTTP requests with 426', async () => {
    const server = await createTestServer();
    const response = await fetch(server.url.replace('ws:', 'http:'));
    expect(response.status).toBe(426);
    await response.text();
  });
});

describe('history: false (a long-running server)', () => {
  it('keeps no messages, transcripts nor closed connections; replies, handlers and faults work; waits reject saying why', async () => {
    const server = await createTestServer({ json: true, history: false });
    server.on((m: { n: number }) => typeof m.n === 'number').reply((m: { n: number }) => ({ echo: m.n }));
    const opened: number[] = [];
    server.onConnection((connection) => void opened.push(connection.id));
    const client = await openWs(server.url);
    const replies: unknown[] = [];
    client.on('message', (data) => replies.push(JSON.parse(String(data))));
    for (let n = 1; n <= 3; n++) client.send(JSON.stringify({ n }));
    await until(() => replies.length === 3);
    expect(replies).toEqual([{ echo: 1 }, { echo: 2 }, { echo: 3 }]);
    expect(opened).toEqual([1]);
    expect(server.messages).toEqual([]);
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.messages).toEqual([]);
    expect(server.connections[0]!.transcript).toEqual([]);
    await expect(server.nextMessage()).rejects.toThrow(/history: false/);
    await expect(server.nextConnection()).rejects.toThrow(/history: false/);
    await expect(server.connections[0]!.nextMessage()).rejects.toThrow(/history: false/);
    server.connections[0]!.drop();
    await closeOf(client);
    await until(() => server.connections.length === 0);
  });
});
