import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { WebSocket } from 'rxws';
import { NODE_DEFAULTS } from 'rxws/node';
import { closeServers, startServer } from '../helpers/server.js';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { selfSignedCertificate } from '../helpers/tls.js';

afterEach(closeServers);

describe('Node-only WebSocket options', () => {
  it('has documented safe defaults', () => {
    expect(NODE_DEFAULTS).toEqual({
      handshakeTimeout: 30_000,
      maxPayload: 100 * 1024 * 1024,
      perMessageDeflate: true,
      followRedirects: false,
      rejectUnauthorized: true,
    });
  });

  it.each([
    ['a string', 'nope'],
    ['a negative handshakeTimeout', { handshakeTimeout: -1 }],
    ['an infinite maxPayload', { maxPayload: Infinity }],
    ['a string followRedirects', { followRedirects: 'yes' }],
    ['null headers', { headers: null }],
    ['a numeric perMessageDeflate', { perMessageDeflate: 1 }],
  ])('rejects %s with a TypeError', (_label, options) => {
    expect(() => new WebSocket('ws://127.0.0.1:1', [], options as never)).toThrow(TypeError);
  });

  it('sends the given headers with the handshake', async () => {
    const server = await startServer();
    const socket = new WebSocket(server.url, [], { headers: { authorization: 'Bearer t0ken', 'x-trace': '42' } });
    await nextEvent(socket, 'open');
    const { request } = await server.nextConnection();
    expect(request.headers.authorization).toBe('Bearer t0ken');
    expect(request.headers['x-trace']).toBe('42');
    socket.close();
  });

  it('fails a handshake that never completes after handshakeTimeout', async () => {
    const held: Socket[] = [];
    const tcp = createTcpServer((sock) => held.push(sock)); // accepts, never answers
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const started = Date.now();
    const socket = new WebSocket(`ws://127.0.0.1:${(tcp.address() as AddressInfo).port}`, [], { handshakeTimeout: 150 });
    const log = recordEvents(socket);
    const event = await closed(socket);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(event.wasClean).toBe(false);
    for (const sock of held) sock.destroy();
    tcp.close();
  });

  it('fails the connection on a message over maxPayload, telling the server 1009', async () => {
    const server = await startServer();
    const socket = new WebSocket(server.url, [], { maxPayload: 1024 });
    await nextEvent(socket, 'open');
    const connection = await server.nextConnection();
    const log = recordEvents(socket);
    const done = closed(socket);
    connection.ws.send('x'.repeat(1024)); // at the limit: delivered
    connection.ws.send('x'.repeat(1025));
    await done;
    expect(log[0]).toBe('message rs=1');
    expect(log.slice(1)).toEqual(['error rs=3', expect.stringMatching(/^close \d+ false rs=3$/)]);
    expect((await connection.closed).code).toBe(1009);
  });

  it('follows redirects only when followRedirects is true', async () => {
    const target = await startServer();
    const redirect = await startServer({}, () => {});
    redirect.http.removeAllListeners('upgrade');
    redirect.http.on('upgrade', (_req, sock: Socket) => {
      sock.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url}/moved\r\nConnection: close\r\n\r\n`);
    });
    const socket = new WebSocket(redirect.url, [], { followRedirects: true });
    await nextEvent(socket, 'open');
    const { request } = await target.nextConnection();
    expect(request.url).toBe('/moved');
    socket.close();
  });

  it('does not offer permessage-deflate when perMessageDeflate is false', async () => {
    const server = await startServer({ perMessageDeflate: true });
    const socket = new WebSocket(server.url, [], { perMessageDeflate: false });
    await nextEvent(socket, 'open');
    expect(socket.extensions).toBe('');
    const { request } = await server.nextConnection();
    expect(request.headers['sec-websocket-extensions']).toBeUndefined();
    socket.close();
  });

  describe('TLS', () => {
    const credentials = selfSignedCertificate();
    let url = '';
    let https: ReturnType<typeof createHttpsServer>;
    let wss: WebSocketServer;

    beforeAll(async () => {
      https = createHttpsServer(credentials);
      wss = new WebSocketServer({ server: https });
      wss.on('connection', (ws) => ws.on('message', (data) => ws.send(String(data))));
      https.listen(0, '127.0.0.1');
      await once(https, 'listening');
      url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      https.close();
    });

    it('verifies certificates by default: a self-signed one fails the connection', async () => {
      const socket = new WebSocket(url);
      const log = recordEvents(socket);
      const done = closed(socket);
      let cause: unknown;
      socket.addEventListener('error', (e) => (cause = (e as Event & { error?: Error }).error));
      await done;
      expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
      expect(String((cause as Error | undefined)?.message)).toMatch(/self[- ]signed/i);
    });

    it('connects when the certificate authority is given with ca', async () => {
      const socket = new WebSocket(url, [], { ca: credentials.cert });
      await nextEvent(socket, 'open');
      const echoed = nextEvent<MessageEvent>(socket, 'message');
      socket.send('over tls');
      expect((await echoed).data).toBe('over tls');
      socket.close();
      await closed(socket);
    });
  });
});
