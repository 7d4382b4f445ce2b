import { createTestServer, useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';
import { connect, nextMessages, until } from '../helpers/client.js';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket send() ($name)', ({ name, WebSocket }) => {
  const openSocket = () => connect((url) => new WebSocket(url));

  it('throws InvalidStateError while CONNECTING, and sends nothing', async () => {
    const server = await createTestServer();
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
    await expect(await server.nextConnection()).toReceiveMessage('after');
    socket.close();
  });

  it('needs an argument', async () => {
    const { socket } = await openSocket();
    expect(() => (socket as unknown as { send(): void }).send()).toThrow(TypeError);
    socket.close();
  });

  it('sends strings as text and ArrayBuffer, every view and Blob as binary, in order', async () => {
    const { socket, connection } = await openSocket();
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]).buffer;
    socket.send('text é');
    socket.send(new Uint8Array([1, 2]).buffer);
    socket.send(new Blob([new Uint8Array([3, 4, 5])]));
    socket.send(new Uint16Array([0x0201]));
    socket.send(new DataView(backing, 2, 3));
    socket.send(new Blob(['blob text']));
    socket.send('last');
    // Text arrives as a string, binary as a Uint8Array.
    expect(await nextMessages(connection, 7)).toEqual([
      'text é',
      new Uint8Array([1, 2]),
      new Uint8Array([3, 4, 5]),
      new Uint8Array([1, 2]),
      new Uint8Array([1, 2, 3]),
      new TextEncoder().encode('blob text'),
      'last',
    ]);
    socket.close();
  });

  it('converts other values with ToString, as WebIDL does', async () => {
    const { socket, connection } = await openSocket();
    socket.send(42 as unknown as string);
    socket.send({ toString: () => 'object' } as unknown as string);
    socket.send(null as unknown as string);
    expect(await nextMessages(connection, 3)).toEqual(['42', 'object', 'null']);
    socket.close();
  });

  it('sends a bare SharedArrayBuffer as the text "[object SharedArrayBuffer]" (not a BufferSource); a view on shared memory throws TypeError', async () => {
    const { socket, connection } = await openSocket();
    const shared = new SharedArrayBuffer(4);
    if (!(name === 'undici' && undiciDeviations.sharedMemoryViewIsSent)) {
      expect(() => socket.send(new Uint8Array(shared))).toThrow(TypeError);
      expect(() => socket.send(new DataView(shared))).toThrow(TypeError);
      expect(socket.bufferedAmount).toBe(0);
    }
    socket.send(shared as unknown as ArrayBuffer);
    expect(connection.messages.filter((m) => typeof m === 'string')).toEqual([]);
    await until(() => connection.messages.some((m) => typeof m === 'string'));
    expect(connection.messages.filter((m) => typeof m === 'string')).toEqual(['[object SharedArrayBuffer]']);
    socket.close();
  });

  it('sends what the bytes were at the call, even when they change later', async () => {
    const { socket, connection } = await openSocket();
    const bytes = new Uint8Array([1, 2, 3]);
    socket.send(new Blob(['x'])); // holds the next send behind an asynchronous read
    socket.send(bytes);
    bytes.fill(0);
    expect((await nextMessages(connection, 2))[1]).toEqual(new Uint8Array([1, 2, 3]));
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
    const { socket, connection } = await openSocket();
    socket.send('before');
    await until(() => socket.bufferedAmount === 0);
    socket.close(1000);
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    expect(() => socket.send('during closing')).not.toThrow();
    const during = socket.bufferedAmount;
    await closed(socket);
    expect(() => socket.send(new Uint8Array(5))).not.toThrow();
    const after = socket.bufferedAmount;
    expect(connection.messages).toEqual(['before']);
    if (name === 'undici' && undiciDeviations.bufferedAmountAfterClose) {
      expect([during, after]).toEqual([0, 0]);
    } else {
      expect([during, after]).toEqual([14, 19]);
    }
  });

  it('sends a Blob before a close() that follows it', async () => {
    const { socket, connection } = await openSocket();
    socket.send(new Blob([new Uint8Array(100_000).fill(7)]));
    socket.close(4001, 'after blob');
    const { code, reason } = await connection.closed;
    expect([code, reason]).toEqual([4001, 'after blob']);
    if (name === 'undici' && undiciDeviations.blobOvertakenByClose) {
      expect(connection.messages).toHaveLength(0);
      return;
    }
    expect(connection.messages).toHaveLength(1);
    expect(connection.messages[0]).toEqual(new Uint8Array(100_000).fill(7));
  });
});
