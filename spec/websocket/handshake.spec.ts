// The opening handshake as Fetch makes it: several subprotocols in one header combined with ', ',
// and the URL's credentials sent only when the server asks for them (a 401), once, as Basic.
import type { IncomingMessage } from 'node:http';
import { WebSocket as RxwsWebSocket } from 'rxws';
import { useTestServers, createTestServer } from 'rxws/testing';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';
import { acceptUpgrade, createRawServer, refuseUpgrade, type RawServer } from '../helpers/raw-server.js';

useTestServers();

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server that answers the first `refusals` handshakes with 401, and accepts the rest. */
async function authenticatingServer(refusals: number): Promise<RawServer> {
  let refused = 0;
  const server = await createRawServer((request, socket) => {
    if (refused < refusals) {
      refused++;
      refuseUpgrade(socket, 401, { 'WWW-Authenticate': 'Basic realm="rxws"' });
      return;
    }
    acceptUpgrade(request, socket);
  });
  servers.push(server);
  return server;
}

const withCredentials = (url: string, path: string): string => url.replace('ws://', 'ws://user:p%40ss@') + path;
const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;
const seen = (request: IncomingMessage) => ({ url: request.url, authorization: request.headers.authorization });

describe.each(implementations)('the opening handshake ($name)', ({ name, WebSocket }) => {
  it('sends several subprotocols as one Sec-WebSocket-Protocol header, combined with ", "', async () => {
    const server = await createTestServer({ protocols: (offered) => offered[1] ?? false });
    const socket = new WebSocket(server.url, ['chat', 'superchat', 'v3']);
    await nextEvent(socket, 'open');
    const connection = await server.nextConnection();
    expect(connection.request.headers['sec-websocket-protocol']).toBe('chat, superchat, v3');
    expect(connection.request.raw.rawHeaders.filter((name) => name.toLowerCase() === 'sec-websocket-protocol')).toHaveLength(1);
    expect(socket.protocol).toBe('superchat');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('sends no credentials before the server asks; on a 401 it tries once more, same URL and path, with them as Basic authorization', async () => {
    const server = await authenticatingServer(1);
    const url = withCredentials(server.url, 'room/1?x=2');
    const socket = new WebSocket(url);
    expect(socket.url).toBe(url); // the attribute keeps them
    await nextEvent(socket, 'open');
    expect(server.requests.map(seen)).toEqual([
      { url: '/room/1?x=2', authorization: undefined },
      { url: '/room/1?x=2', authorization: basic('user:p%40ss') },
    ]);
    socket.close(); // (the raw server speaks no WebSocket: afterEach ends the connection)
  });

  it('a second 401 fails the connection (no third try)', async () => {
    const server = await authenticatingServer(Infinity);
    const socket = new WebSocket(withCredentials(server.url, 'x'));
    const log = recordEvents(socket);
    await closed(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([undefined, basic('user:p%40ss')]);
  });

  it('without credentials in the URL a 401 fails the connection at once', async () => {
    const server = await authenticatingServer(Infinity);
    const socket = new WebSocket(server.url);
    const log = recordEvents(socket);
    await closed(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(server.requests).toHaveLength(name === 'undici' && undiciDeviations.unauthorizedRetriedWithoutCredentials ? 2 : 1);
    for (const request of server.requests) expect(request.headers.authorization).toBeUndefined();
  });
});

describe('the opening handshake (rxws, Node options)', () => {
  it("an Authorization in the Node headers option is sent from the first handshake, and the URL's credentials do not replace it", async () => {
    const server = await authenticatingServer(Infinity);
    const socket = new RxwsWebSocket(withCredentials(server.url, 'x'), [], { headers: { Authorization: 'Bearer t0ken' } });
    await closed(socket);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t0ken']);
  });
});
