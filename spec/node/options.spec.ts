import { WebSocket } from 'rxws';
import { NODE_DEFAULTS } from 'rxws/node';
import { createTestServer, useTestServers } from 'rxws/testing';
import { connect } from '../helpers/client.js';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { selfSignedCertificate } from '../testing/tls.js';

useTestServers();

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
    ['a negative handshakeTimeout', { handshakeTimeout: -1 }],
    ['an infinite maxPayload', { maxPayload: Infinity }],
    ['a string followRedirects', { followRedirects: 'yes' }],
    ['null headers', { headers: null }],
    ['a numeric perMessageDeflate', { perMessageDeflate: 1 }],
    ['an unknown binaryType', { binaryType: 'buffer' }],
  ])('rejects %s with a TypeError', (_label, options) => {
    expect(() => new WebSocket('ws://127.0.0.1:1', [], options as never)).toThrow(TypeError);
  });

  it.each([
    ['a string', 'nope'],
    ['a number', 42],
    ['null', null],
  ])('ignores a third argument that is %s, as WebIDL ignores extra arguments (the defaults apply)', async (_label, extra) => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], extra as never));
    expect(connection.request.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('sends the given headers with the handshake', async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], { headers: { authorization: 'Bearer t0ken', 'x-trace': '42' } }));
    expect(connection.request.headers.authorization).toBe('Bearer t0ken');
    expect(connection.request.headers['x-trace']).toBe('42');
    socket.close();
  });

  it('fails a handshake that never completes after handshakeTimeout', async () => {
    const server = await createTestServer({ handshakeDelay: Infinity }); // holds every upgrade unanswered
    const started = Date.now();
    const socket = new WebSocket(server.url, [], { handshakeTimeout: 150 });
    const log = recordEvents(socket);
    const event = await closed(socket);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(event.wasClean).toBe(false);
    expect(server.handshakes).toHaveLength(1);
  });

  it('fails the connection on a message over maxPayload, telling the server 1009', async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], { maxPayload: 1024 }));
    const log = recordEvents(socket);
    const done = closed(socket);
    connection.send('x'.repeat(1024)); // at the limit: delivered
    connection.send('x'.repeat(1025));
    await done;
    expect(log[0]).toBe('message rs=1');
    expect(log.slice(1)).toEqual(['error rs=3', 'close 1006 false rs=3']); // failed: no close frame from the server
    expect((await connection.closed).code).toBe(1009);
  });

  it('follows redirects only when followRedirects is true', async () => {
    const target = await createTestServer();
    const redirect = await createTestServer();
    redirect.refuseNext(1, 302, { headers: { Location: `${target.url}/moved` } });
    const socket = new WebSocket(redirect.url, [], { followRedirects: true });
    await nextEvent(socket, 'open');
    expect((await target.nextConnection()).request.url).toBe('/moved');
    socket.close();
  });

  it('does not offer permessage-deflate when perMessageDeflate is false', async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], { perMessageDeflate: false }), { perMessageDeflate: true });
    expect(socket.extensions).toBe('');
    expect(connection.request.headers['sec-websocket-extensions']).toBeUndefined();
    socket.close();
  });

  describe('TLS', () => {
    const credentials = selfSignedCertificate();
    async function echoServer() {
      const server = await createTestServer({ tls: credentials });
      server.on(() => true).reply((message) => message);
      return server;
    }

    it('verifies certificates by default: a self-signed one fails the connection', async () => {
      const socket = new WebSocket((await echoServer()).url);
      const log = recordEvents(socket);
      const done = closed(socket);
      let cause: unknown;
      socket.addEventListener('error', (e) => (cause = (e as Event & { error?: Error }).error));
      await done;
      expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
      expect(String((cause as Error | undefined)?.message)).toMatch(/self[- ]signed/i);
    });

    it('connects when the certificate authority is given with ca', async () => {
      const socket = new WebSocket((await echoServer()).url, [], { ca: credentials.cert });
      await nextEvent(socket, 'open');
      const echoed = nextEvent<MessageEvent>(socket, 'message');
      socket.send('over tls');
      expect((await echoed).data).toBe('over tls');
      socket.close();
      await closed(socket);
    });
  });
});
