import { createTestServer, useTestServers } from 'rxws/testing';
import { connect as connectTo, until } from '../helpers/client.js';
import { closed, recordEvents } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket close() ($name)', ({ name, WebSocket }) => {
  const connect = () => connectTo((url) => new WebSocket(url));

  const errorName = (fn: () => void): string | undefined => {
    try {
      fn();
    } catch (e) {
      return e instanceof DOMException ? e.name : `not a DOMException: ${String(e)}`;
    }
    return undefined;
  };

  it.each([0, 999, 1001, 1005, 1006, 1015, 2999, 5000, 65535, NaN, -1, 'abc'])('rejects the code %p with InvalidAccessError', async (code) => {
    const { socket } = await connect();
    expect(errorName(() => socket.close(code as number))).toBe('InvalidAccessError');
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('rejects a reason over 123 UTF-8 bytes with SyntaxError, and accepts 123', async () => {
    const { socket, connection } = await connect();
    expect(errorName(() => socket.close(1000, 'x'.repeat(124)))).toBe('SyntaxError');
    expect(errorName(() => socket.close(1000, 'é'.repeat(62)))).toBe('SyntaxError'); // 124 bytes
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close(4999, 'é'.repeat(61) + 'x'); // 123 bytes
    expect(await connection.closed).toEqual({ code: 4999, reason: 'é'.repeat(61) + 'x', wasClean: true });
  });

  it('checks the code before the reason, and both before the state', async () => {
    const { socket } = await connect();
    expect(errorName(() => socket.close(1001, 'x'.repeat(200)))).toBe('InvalidAccessError');
    socket.close();
    await closed(socket);
    expect(errorName(() => socket.close(1001))).toBe('InvalidAccessError');
  });

  it('clamps and rounds the code as WebIDL [Clamp] unsigned short', async () => {
    const { socket, connection } = await connect();
    socket.close(3000.5); // rounds half to even: 3000
    expect((await connection.closed).code).toBe(3000);
  });

  it.each([
    [3001.5, 3002, 3002], // half to even, upwards
    [999.5, 1000, 1000],
    [3000.4999, 3000, 3000],
    [3000.6, 3001, 3000], // (undici: the even neighbour)
    [3001.4, 3001, 3002],
    ['4000', 4000, 4000], // ToNumber
  ])('rounds the code %p to %p as WebIDL [Clamp] unsigned short', async (code, expected, undici) => {
    const { socket, connection } = await connect();
    socket.close(code as number);
    expect((await connection.closed).code).toBe(name === 'undici' && undiciDeviations.clampRoundsToEvenNeighbour ? undici : expected);
  });

  it.each([4999.5, 1e9, Infinity, -Infinity, -0.4, 998.6])('clamps the code %p outside 1000 and 3000-4999: InvalidAccessError', async (code) => {
    const { socket } = await connect();
    expect(errorName(() => socket.close(code))).toBe('InvalidAccessError');
    socket.close();
  });

  it('reads the reason as a USVString: a lone surrogate is U+FFFD, 3 UTF-8 bytes; a pair is 4', async () => {
    const { socket, connection } = await connect();
    expect(errorName(() => socket.close(1000, '\ud800'.repeat(42)))).toBe('SyntaxError'); // 126 bytes
    expect(errorName(() => socket.close(1000, '\u{1f600}'.repeat(31)))).toBe('SyntaxError'); // 124 bytes
    socket.close(4000, '\ud800x\udc00' + '\u{1f600}'.repeat(29)); // 3 + 1 + 3 + 116 = 123 bytes
    expect(await connection.closed).toEqual({ code: 4000, reason: '\ufffdx\ufffd' + '\u{1f600}'.repeat(29), wasClean: true });
  });

  it('sends no code without arguments (the server sees 1005), and 1000 for a reason alone', async () => {
    const first = await connect();
    const firstClosed = closed(first.socket);
    first.socket.close();
    expect(first.socket.readyState).toBe(WebSocket.CLOSING);
    expect(await first.connection.closed).toEqual({ code: 1005, reason: '', wasClean: true });
    expect((await firstClosed).code).toBe(1005);
    const second = await connect();
    second.socket.close(undefined, 'only a reason');
    expect(await second.connection.closed).toEqual({ code: 1000, reason: 'only a reason', wasClean: true });
  });

  it('closes cleanly from the client: close event with the code, reason and wasClean true', async () => {
    const { socket, connection } = await connect();
    const log = recordEvents(socket);
    socket.close(4000, 'bye');
    const event = await closed(socket);
    expect(await connection.closed).toEqual({ code: 4000, reason: 'bye', wasClean: true });
    expect([event.code, event.reason, event.wasClean]).toEqual([4000, 'bye', true]);
    expect(socket.readyState).toBe(WebSocket.CLOSED);
    expect(log).toEqual(['close 4000 true rs=3']);
  });

  it('a second close() does nothing', async () => {
    const { socket, connection } = await connect();
    const log = recordEvents(socket);
    socket.close(4000, 'first');
    socket.close(4001, 'second');
    await closed(socket);
    socket.close(4002);
    expect(await connection.closed).toEqual({ code: 4000, reason: 'first', wasClean: true });
    await new Promise((r) => setTimeout(r, 20)); // a quiet window is the behaviour under test: no second close event
    expect(log).toEqual(['close 4000 true rs=3']);
  });

  it.each([
    [1000, 'done'],
    [1001, 'going away'],
    [1011, 'oops'],
    [1012, 'restart'],
    [4321, 'app'],
  ])('closes cleanly when the server closes with %p', async (code, reason) => {
    const { socket, connection } = await connect();
    const log = recordEvents(socket);
    void connection.close(code, reason);
    const event = await closed(socket);
    expect([event.code, event.reason, event.wasClean]).toEqual([code, reason, true]);
    expect(log).toEqual([`close ${code} true rs=3`]);
  });

  it('reports 1005 when the server closes without a code', async () => {
    const { socket, connection } = await connect();
    void connection.close();
    const event = await closed(socket);
    expect([event.code, event.reason, event.wasClean]).toEqual([1005, '', true]);
  });

  it('is CLOSING while the server-started closing handshake completes', async () => {
    const { socket, connection } = await connect();
    const states: number[] = [];
    const done = closed(socket);
    void connection.close(1000);
    await until(() => socket.readyState !== WebSocket.OPEN);
    states.push(socket.readyState);
    await done;
    states.push(socket.readyState);
    expect(states[states.length - 1]).toBe(WebSocket.CLOSED);
    expect([WebSocket.CLOSING, WebSocket.CLOSED]).toContain(states[0]);
  });

  it('close() while CONNECTING fails the connection: CLOSING at once, then error, then close 1006', async () => {
    const server = await createTestServer();
    const socket = new WebSocket(server.url);
    const log = recordEvents(socket);
    const done = closed(socket);
    socket.close(1000, 'never mind');
    if (name === 'undici' && undiciDeviations.closeWhileConnectingIsSynchronous) {
      expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
      expect(socket.readyState).toBe(WebSocket.CLOSING);
      return;
    }
    expect(log).toEqual([]);
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    const event = await done;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect(server.connections).toHaveLength(0);
  });
});
