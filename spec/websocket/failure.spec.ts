import { createTestServer, frames, useTestServers, type TestServer } from 'rxws/testing';
import { connect, until } from '../helpers/client.js';
import { closed, recordEvents } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket failures ($name)', ({ name, WebSocket }) => {
  async function expectFailure(socket: WebSocket): Promise<{ log: string[]; event: CloseEvent }> {
    const log = recordEvents(socket);
    const event = await closed(socket);
    return { log, event };
  }

  /** A client that rejects the server's handshake response closes the TCP connection too. */
  async function expectServerSideClosed(server: TestServer): Promise<void> {
    const connection = await server.nextConnection();
    if (name === 'undici' && undiciDeviations.rejectedHandshakeLeavesConnectionOpen) {
      expect(connection.isOpen).toBe(true);
      connection.drop();
      return;
    }
    await connection.waitForClose();
  }

  it('a refused connection fires error, then close 1006 (not clean), and throws nothing', async () => {
    const server = await createTestServer();
    await server.close(); // nothing listens on its port any more
    const socket = new WebSocket(server.url);
    const { log, event } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
  });

  it.each([401, 403, 404, 500, 503])('a handshake answered with HTTP %p fails the connection', async (status) => {
    const server = await createTestServer({ verify: () => status });
    const socket = new WebSocket(server.url);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
  });

  it('a redirect is not followed by default', async () => {
    const target = await createTestServer();
    const server = await createTestServer();
    server.refuseNext(1, 302, { headers: { Location: target.url } });
    const socket = new WebSocket(server.url);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(target.handshakes).toHaveLength(0);
  });

  it('a server that selects a subprotocol that was not offered fails the connection', async () => {
    const server = await createTestServer({ protocols: () => 'other' });
    const socket = new WebSocket(server.url, ['chat']);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(socket.protocol).toBe('');
    await expectServerSideClosed(server);
  });

  it('a server that selects no subprotocol when some were offered fails the connection', async () => {
    const server = await createTestServer({ protocols: () => false });
    const socket = new WebSocket(server.url, ['chat']);
    const { log } = await expectFailure(socket);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    await expectServerSideClosed(server);
  });

  it('an abrupt TCP drop after open fires error, then close 1006, not clean', async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url));
    const done = expectFailure(socket);
    connection.drop();
    const { log, event } = await done;
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(event.wasClean).toBe(false);
  });

  it('a TCP connection closed before the handshake response fails the connection', async () => {
    const server = await createTestServer({ handshakeDelay: Infinity });
    const socket = new WebSocket(server.url);
    const done = expectFailure(socket);
    await until(() => server.heldHandshakes === 1);
    await server.close(); // cuts the held upgrade's TCP connection
    const { log } = await done;
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
  });

  it.each([
    ['a reserved opcode', frames.reservedOpcode(), 1002],
    ['invalid UTF-8 in a text frame', frames.invalidUtf8(), 1007],
    ['a masked server frame', frames.masked(), 1002],
  ])('%s fails the connection: the server is told %p, the client sees error then close', async (_label, bytes, serverCode) => {
    const { socket, connection } = await connect((url) => new WebSocket(url));
    const done = expectFailure(socket);
    connection.sendRaw(bytes);
    const { log, event } = await done;
    expect(log[0]).toBe('error rs=3');
    expect(log).toHaveLength(2);
    expect(event.wasClean).toBe(false);
    const told = await connection.waitForClose({ timeout: 5000 }).catch(() => undefined);
    if (told && told.code !== 1006) expect(told.code).toBe(serverCode);
  });
});
