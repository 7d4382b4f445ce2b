import { createServer as createTcpServer, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { closeServers, startServer } from '../helpers/server.js';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { implementations } from '../helpers/implementations.js';

afterEach(closeServers);

/** A raw frame from the server (unmasked). */
function frame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('short frames only');
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

describe.each(implementations)('WebSocket failures ($name)', ({ WebSocket }) => {
  async function expectFailure(socket: WebSocket): Promise<{ log: string[]; event: CloseEvent }> {
    const log = recordEvents(socket);
    const event = await closed(socket);
    return { log, event };
  }

  it('a refused connection fires error, then close 1006 (not clean), and throws nothing', async () => {
    const tcp = createTcpServer();
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const port = (tcp.address() as AddressInfo).port;
    tcp.close();
    await once(tcp, 'close');
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    const { log, event } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
  });

  it.each([401, 403, 404, 500, 503])('a handshake answered with HTTP %p fails the connection', async (status) => {
    const server = await startServer({ verifyClient: (_info, cb) => cb(false, status) });
    const socket = new WebSocket(server.url);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
  });

  it('a redirect is not followed by default', async () => {
    const target = await startServer();
    const server = await startServer({}, (_req, res) => res.writeHead(302, { location: target.url }).end());
    server.http.removeAllListeners('upgrade');
    server.http.on('upgrade', (_req, sock: Socket) => {
      sock.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url}\r\nConnection: close\r\n\r\n`);
    });
    const socket = new WebSocket(server.url);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(target.accepted).toHaveLength(0);
  });

  it('a server that selects a subprotocol that was not offered fails the connection', async () => {
    const server = await startServer({ handleProtocols: () => 'other' });
    const socket = new WebSocket(server.url, ['chat']);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(socket.protocol).toBe('');
  });

  it('a server that selects no subprotocol when some were offered fails the connection', async () => {
    const server = await startServer({ handleProtocols: () => false });
    const socket = new WebSocket(server.url, ['chat']);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
  });

  it('an abrupt TCP drop after open fires error, then close 1006, not clean', async () => {
    const server = await startServer();
    const socket = new WebSocket(server.url);
    await nextEvent(socket, 'open');
    const connection = await server.nextConnection();
    const done = expectFailure(socket);
    connection.ws.terminate();
    const { log, event } = await done;
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(event.wasClean).toBe(false);
  });

  it('a TCP connection closed before the handshake response fails the connection', async () => {
    const tcp = createTcpServer((sock) => sock.destroy());
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const socket = new WebSocket(`ws://127.0.0.1:${(tcp.address() as AddressInfo).port}`);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    tcp.close();
  });

  it.each([
    ['a reserved opcode', frame(0x3, Buffer.alloc(0)), 1002],
    ['invalid UTF-8 in a text frame', frame(0x1, Buffer.from([0xc3, 0x28])), 1007],
    ['a masked server frame', Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61]), 1002],
  ])('%s fails the connection: the server is told %p, the client sees error then close', async (_label, bytes, serverCode) => {
    const server = await startServer();
    const socket = new WebSocket(server.url);
    await nextEvent(socket, 'open');
    const connection = await server.nextConnection();
    const done = expectFailure(socket);
    (connection.ws as unknown as { _socket: Socket })._socket.write(bytes);
    const { log, event } = await done;
    expect(log[0]).toBe('error rs=3');
    expect(log).toHaveLength(2);
    expect(event.wasClean).toBe(false);
    const told = await Promise.race([connection.closed, new Promise<undefined>((r) => setTimeout(r, 1000))]);
    if (told && told.code !== 1006) expect(told.code).toBe(serverCode);
  });
});
