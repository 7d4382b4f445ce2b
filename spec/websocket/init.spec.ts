// The constructor's second argument as a WebSocketInit dictionary `{ protocols, headers }`, as
// Node's built-in WebSocket (undici) takes it: the shared tests run on both.
import { WebSocket as RxwsWebSocket, type WebSocketInit } from 'rxws';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

/** The constructor as Node's built-in types it: the second argument may be the dictionary. */
type InitCtor = new (url: string, init?: string | Iterable<string> | WebSocketInit | object) => WebSocket;

const TIMEOUT = { timeout: 10_000 };

/** The next server-side handshake request, and the names of its header lines (lower case, in order). */
async function handshakeOf(server: TestServer) {
  const { request } = await server.nextConnection();
  return { request, rawNames: request.raw.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()) };
}

describe.each(implementations)('the WebSocketInit dictionary as second argument ($name)', ({ name, WebSocket: Ctor }) => {
  const WebSocket = Ctor as unknown as InitCtor;

  const expectError = (fn: () => unknown, kind: 'TypeError' | 'SyntaxError'): void => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect((error as Error | undefined)?.name).toBe(kind);
    if (kind === 'SyntaxError') expect(error).toBeInstanceOf(DOMException);
    else expect(error).toBeInstanceOf(TypeError);
  };

  it('offers its protocols in order; protocol is the one the server chose', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: (offered) => offered[1] ?? false });
    const socket = new WebSocket(server.url, { protocols: ['msgpack', 'json'] });
    await nextEvent(socket, 'open');
    const { request } = await handshakeOf(server);
    expect(request.protocols).toEqual(['msgpack', 'json']);
    expect(socket.protocol).toBe('json');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('takes protocols as one string too, and offers none without the member', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: ['chat'] });
    const one = new WebSocket(server.url, { protocols: 'chat' });
    await nextEvent(one, 'open');
    expect((await handshakeOf(server)).request.headers['sec-websocket-protocol']).toBe('chat');
    expect(one.protocol).toBe('chat');
    const none = new WebSocket(server.url, {});
    await nextEvent(none, 'open');
    expect((await handshakeOf(server)).rawNames).not.toContain('sec-websocket-protocol');
    expect(none.protocol).toBe('');
    const done = Promise.all([closed(one), closed(none)]);
    one.close();
    none.close();
    await done;
  });

  it('fails the connection when the server picks none of its protocols: error, then close 1006', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: () => false });
    const socket = new WebSocket(server.url, { protocols: ['json'] });
    const log = recordEvents(socket);
    await closed(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(socket.protocol).toBe('');
    const connection = await server.nextConnection();
    if (name === 'undici' && undiciDeviations.rejectedHandshakeLeavesConnectionOpen) {
      expect(connection.isOpen).toBe(true);
      connection.drop();
      return;
    }
    await connection.waitForClose(); // the client closed the TCP connection
  });

  it('checks its protocols as the second argument is checked (SyntaxError)', () => {
    for (const protocols of [['chat', 'CHAT'], ['a b'], 'bad protocol', {}]) {
      expectError(() => new WebSocket('ws://127.0.0.1:1', { protocols }), 'SyntaxError');
    }
  });

  it.each([
    ['a record', { 'X-Token': 'abc', 'x-trace': ' 1 ' }],
    ['an array of pairs', [['X-Token', 'abc'], ['x-trace', '1']]],
    ['a Headers', new Headers({ 'X-Token': 'abc', 'x-trace': '1' })],
    ['a Map', new Map([['X-Token', 'abc'], ['x-trace', '1']])],
  ])('sends its headers in the handshake, given as %s (values trimmed)', async (_kind, headers) => {
    const server = await createTestServer(TIMEOUT);
    const socket = new WebSocket(server.url, { headers });
    await nextEvent(socket, 'open');
    const { request } = await handshakeOf(server);
    expect(request.headers['x-token']).toBe('abc');
    expect(request.headers['x-trace']).toBe('1');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('sends a name repeated in any case once, its values combined with ", "', async () => {
    const server = await createTestServer(TIMEOUT);
    const socket = new WebSocket(server.url, { headers: [['X-Tag', 'a'], ['x-tag', 'b']] });
    await nextEvent(socket, 'open');
    const { request, rawNames } = await handshakeOf(server);
    expect(request.headers['x-tag']).toBe('a, b');
    expect(rawNames.filter((name) => name === 'x-tag')).toHaveLength(1);
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('rejects headers that are not a HeadersInit with TypeError', () => {
    for (const headers of [5, 'x: 1', [['x-a']], [['x-a', '1', '2']], [1], { 'bad name': '1' }, { 'x-a': 'line\nbreak' }, { 'x-a': 'ĀĀ' }]) {
      expectError(() => new WebSocket('ws://127.0.0.1:1', { headers }), 'TypeError');
    }
  });

  it('converts the dictionary (TypeError) before it checks the URL (SyntaxError)', () => {
    expectError(() => new WebSocket('/relative', { headers: 5 }), 'TypeError');
  });

  it('ignores null headers and members it does not know', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: ['chat'] });
    const socket = new WebSocket(server.url, { protocols: 'chat', headers: null, extra: 'ignored' });
    await nextEvent(socket, 'open');
    expect(socket.protocol).toBe('chat');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('takes an object with Symbol.iterator as the protocol list, even with a protocols member', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: (offered) => offered[0] ?? false });
    const iterable = {
      protocols: ['ignored'],
      *[Symbol.iterator]() {
        yield 'v2';
        yield 'v1';
      },
    };
    const socket = new WebSocket(server.url, iterable);
    await nextEvent(socket, 'open');
    expect((await handshakeOf(server)).request.protocols).toEqual(['v2', 'v1']);
    expect(socket.protocol).toBe('v2');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('takes a function (a WebIDL object without Symbol.iterator) as the dictionary', async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: ['chat'] });
    const socket = new WebSocket(server.url, Object.assign(() => {}, { protocols: 'chat' }));
    await nextEvent(socket, 'open');
    expect(socket.protocol).toBe('chat');
    const done = closed(socket);
    socket.close();
    await done;
  });
});

describe('the WebSocketInit dictionary (rxws on ws: what undici has and rxws does not)', () => {
  it("throws TypeError for a dispatcher, naming it and the Node options' agent", () => {
    const init = { protocols: 'chat', dispatcher: {} } as unknown as WebSocketInit;
    expect(() => new RxwsWebSocket('ws://127.0.0.1:1', init)).toThrow(TypeError);
    expect(() => new RxwsWebSocket('ws://127.0.0.1:1', init)).toThrow(/'dispatcher'.*'agent'/);
  });

  it('throws TypeError for a Node option in the dictionary, pointing at the third argument', () => {
    for (const name of ['agent', 'perMessageDeflate', 'handshakeTimeout', 'ca', 'rejectUnauthorized']) {
      const init = { [name]: false } as unknown as WebSocketInit;
      expect(() => new RxwsWebSocket('ws://127.0.0.1:1', init)).toThrow(new RegExp(`'${name}' is a Node option.*third argument`));
    }
  });

  it("takes Node options as the third argument; their headers win over the dictionary's for the same name (any case)", async () => {
    const server = await createTestServer({ ...TIMEOUT, protocols: ['json'] });
    const socket = new RxwsWebSocket(
      server.url,
      { protocols: ['json'], headers: { 'X-Token': 'from-init', 'x-only-init': '1' } },
      { headers: { 'x-token': 'from-options', 'x-only-options': '2' }, binaryType: 'nodebuffer' },
    );
    await nextEvent(socket, 'open');
    const { request, rawNames } = await handshakeOf(server);
    expect(request.headers).toMatchObject({ 'x-token': 'from-options', 'x-only-init': '1', 'x-only-options': '2' });
    expect(rawNames.filter((name) => name === 'x-token')).toHaveLength(1);
    expect(socket.protocol).toBe('json');
    expect(socket.binaryType).toBe('nodebuffer');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it("an authorization from the dictionary is sent from the first handshake, as the Node options' is", async () => {
    const server = await createTestServer(TIMEOUT);
    const url = server.url.replace('ws://', 'ws://user:pass@');
    const socket = new RxwsWebSocket(url, { headers: { Authorization: 'Bearer t0ken' } });
    await nextEvent(socket, 'open');
    expect((await handshakeOf(server)).request.headers.authorization).toBe('Bearer t0ken');
    const done = closed(socket);
    socket.close();
    await done;
  });
});
