// Write coalescing: the sends of one tick leave the Node WebSocket in one write to the TCP socket.
import type { Socket } from 'node:net';
import { WebSocket, getNodeControls } from 'rxws';
import { closeServers, startServer, until } from '../helpers/server.js';
import { closed, nextEvent } from '../helpers/events.js';

afterEach(closeServers);

/** Counts the writes that reach the TCP socket's handle (`_writev` for a batch, `_write` for one). */
function countWrites(socket: WebSocket): { writes: number[] } {
  const tcp = (getNodeControls(socket)!.raw as unknown as { _socket: Socket & { _writev: Function; _write: Function } })._socket;
  const counts = { writes: [] as number[] };
  const writev = tcp._writev.bind(tcp);
  const write = tcp._write.bind(tcp);
  tcp._writev = (chunks: unknown[], cb: unknown) => {
    counts.writes.push(chunks.length);
    return writev(chunks, cb);
  };
  tcp._write = (chunk: unknown, encoding: unknown, cb: unknown) => {
    counts.writes.push(1);
    return write(chunk, encoding, cb);
  };
  return counts;
}

async function connect(coalesce?: boolean) {
  const server = await startServer();
  const socket = new WebSocket(server.url, [], coalesce === undefined ? undefined : { coalesce });
  await nextEvent(socket, 'open');
  const connection = await server.nextConnection();
  return { server, socket, connection };
}

describe('write coalescing', () => {
  it('sends a burst of one tick in a single write, in order', async () => {
    const { socket, connection } = await connect();
    const counts = countWrites(socket);
    for (let i = 0; i < 100; i++) socket.send(`m${i}`);
    await until(() => connection.messages.length === 100);
    expect(counts.writes).toHaveLength(1);
    expect(connection.messages.map((m) => m.data.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    socket.close();
  });

  it('writes each send on its own when coalesce is false', async () => {
    const { socket, connection } = await connect(false);
    const counts = countWrites(socket);
    for (let i = 0; i < 10; i++) socket.send(`m${i}`);
    await until(() => connection.messages.length === 10);
    expect(counts.writes.length).toBeGreaterThan(1);
    socket.close();
  });

  it('keeps order across text, binary and Blob sends, and the close frame after them', async () => {
    const { socket, connection } = await connect();
    socket.send('a');
    socket.send(new Uint8Array([1]));
    socket.send(new Blob(['b']));
    socket.send('c');
    socket.send(new Uint8Array([2]).buffer);
    socket.close(4000, 'done');
    const { code } = await connection.closed;
    expect(code).toBe(4000);
    expect(connection.messages.map((m) => (m.isBinary ? [...m.data] : m.data.toString()))).toEqual(['a', [1], [98], 'c', [2]]);
  });

  it('keeps bufferedAmount exact while data is held, and zero once written', async () => {
    const { socket } = await connect();
    socket.send('12345');
    socket.send(new Uint8Array(7));
    expect(socket.bufferedAmount).toBe(12); // corked: nothing has reached the network yet
    await until(() => socket.bufferedAmount === 0);
    socket.close();
  });

  it('never holds a lone message past the current tick', async () => {
    const { socket } = await connect();
    const counts = countWrites(socket);
    socket.send('lone');
    expect(counts.writes).toHaveLength(0); // held during the tick...
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(counts.writes).toHaveLength(1); // ...and written before it ends, before any I/O
    socket.close();
  });

  it('flushes what was sent before terminate()', async () => {
    const { socket, connection } = await connect();
    const done = closed(socket);
    socket.send('last words');
    getNodeControls(socket)!.terminate();
    await done;
    await until(() => connection.messages.length === 1);
    expect(connection.messages[0]!.data.toString()).toBe('last words');
  });
});
