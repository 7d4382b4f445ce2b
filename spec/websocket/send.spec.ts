import { closeServers, startServer, until } from '../helpers/server.js';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

afterEach(closeServers);

describe.each(implementations)('WebSocket send() ($name)', ({ name, WebSocket }) => {
  async function openSocket(): Promise<{ socket: WebSocket; server: Awaited<ReturnType<typeof startServer>> }> {
    const server = await startServer();
    const socket = new WebSocket(server.url);
    await nextEvent(socket, 'open');
    return { socket, server };
  }

  it('throws InvalidStateError while CONNECTING, and sends nothing', async () => {
    const server = await startServer();
    const socket = new WebSocket(server.url);
    let error: unknown;
    try {
      socket.send('early');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('InvalidStateError');
    expect(socket.bufferedAmount).toBe(0);
    await nextEvent(socket, 'open');
    socket.send('after');
    const { messages } = await server.nextConnection();
    await until(() => messages.length === 1);
    expect(messages[0]!.data.toString()).toBe('after');
    socket.close();
  });

  it('needs an argument', async () => {
    const { socket } = await openSocket();
    expect(() => (socket as unknown as { send(): void }).send()).toThrow(TypeError);
    socket.close();
  });

  it('sends strings as text and ArrayBuffer, every view and Blob as binary, in order', async () => {
    const { socket, server } = await openSocket();
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]).buffer;
    socket.send('text é');
    socket.send(new Uint8Array([1, 2]).buffer);
    socket.send(new Blob([new Uint8Array([3, 4, 5])]));
    socket.send(new Uint16Array([0x0201]));
    socket.send(new DataView(backing, 2, 3));
    socket.send(new Blob(['blob text']));
    socket.send('last');
    const { messages } = await server.nextConnection();
    await until(() => messages.length === 7);
    expect(messages.map((m) => [m.isBinary, m.isBinary ? [...m.data] : m.data.toString()])).toEqual([
      [false, 'text é'],
      [true, [1, 2]],
      [true, [3, 4, 5]],
      [true, [1, 2]],
      [true, [1, 2, 3]],
      [true, [...Buffer.from('blob text')]],
      [false, 'last'],
    ]);
    socket.close();
  });

  it('converts other values with ToString, as WebIDL does', async () => {
    const { socket, server } = await openSocket();
    socket.send(42 as unknown as string);
    socket.send({ toString: () => 'object' } as unknown as string);
    socket.send(null as unknown as string);
    const { messages } = await server.nextConnection();
    await until(() => messages.length === 3);
    expect(messages.map((m) => m.data.toString())).toEqual(['42', 'object', 'null']);
    socket.close();
  });

  it('sends what the bytes were at the call, even when they change later', async () => {
    const { socket, server } = await openSocket();
    const bytes = new Uint8Array([1, 2, 3]);
    socket.send(new Blob(['x'])); // holds the next send behind an asynchronous read
    socket.send(bytes);
    bytes.fill(0);
    const { messages } = await server.nextConnection();
    await until(() => messages.length === 2);
    expect([...messages[1]!.data]).toEqual([1, 2, 3]);
    socket.close();
  });

  it('counts queued payload bytes (UTF-8, not UTF-16) in bufferedAmount until they are written', async () => {
    const { socket } = await openSocket();
    socket.send('é€😀'); // 2 + 3 + 4 bytes
    socket.send(new Uint8Array(10));
    socket.send(new Blob(['abc']));
    expect(socket.bufferedAmount).toBe(9 + 10 + 3);
    await until(() => socket.bufferedAmount === 0);
    socket.close();
  });

  it('does not send after the closing handshake started, and still grows bufferedAmount', async () => {
    const { socket, server } = await openSocket();
    socket.send('before');
    await until(() => socket.bufferedAmount === 0);
    socket.close(1000);
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    expect(() => socket.send('during closing')).not.toThrow();
    const during = socket.bufferedAmount;
    await closed(socket);
    expect(() => socket.send(new Uint8Array(5))).not.toThrow();
    const after = socket.bufferedAmount;
    const connection = server.accepted[0]!;
    expect(connection.messages.map((m) => m.data.toString())).toEqual(['before']);
    if (name === 'undici' && undiciDeviations.bufferedAmountAfterClose) {
      expect([during, after]).toEqual([0, 0]);
    } else {
      expect([during, after]).toEqual([14, 19]);
    }
  });

  it('sends a Blob before a close() that follows it', async () => {
    const { socket, server } = await openSocket();
    socket.send(new Blob([new Uint8Array(100_000).fill(7)]));
    socket.close(4001, 'after blob');
    const connection = await server.nextConnection();
    const { code, reason } = await connection.closed;
    expect([code, reason]).toEqual([4001, 'after blob']);
    if (name === 'undici' && undiciDeviations.blobOvertakenByClose) {
      expect(connection.messages).toHaveLength(0);
      return;
    }
    expect(connection.messages).toHaveLength(1);
    expect(connection.messages[0]!.data.length).toBe(100_000);
  });
});
