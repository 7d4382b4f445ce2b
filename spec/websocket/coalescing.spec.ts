// Write coalescing: the sends of one tick leave the Node WebSocket in one write to the TCP socket.
import type { Socket } from 'node:net';
import { WebSocket } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { buildFrame, useTestServers } from 'rxws/testing';
import { connect as connectTo, nextMessages, until } from '../helpers/client.js';
import { closed } from '../helpers/events.js';

useTestServers();

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

const connect = (coalesce?: boolean) => connectTo((url) => new WebSocket(url, [], coalesce === undefined ? undefined : { coalesce }));

describe('write coalescing', () => {
  it('sends a burst of one tick in a single write, in order', async () => {
    const { socket, connection } = await connect();
    const counts = countWrites(socket);
    for (let i = 0; i < 100; i++) socket.send(`m${i}`);
    expect(await nextMessages(connection, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    expect(counts.writes).toHaveLength(1);
    socket.close();
  });

  it('writes each send on its own when coalesce is false', async () => {
    const { socket, connection } = await connect(false);
    const counts = countWrites(socket);
    for (let i = 0; i < 10; i++) socket.send(`m${i}`);
    await nextMessages(connection, 10);
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
    expect(connection.messages).toEqual(['a', new Uint8Array([1]), new Uint8Array([98]), 'c', new Uint8Array([2])]);
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

  /**
   * A socket that answers every message with `re <data>`, counting its writes; `writesAfterHandler`
   * gets the write count right after each message was handled (a listener on the raw ws socket,
   * added after rxws's, runs then).
   */
  async function replyingSocket() {
    const { socket, connection } = await connect();
    const counts = countWrites(socket);
    const writesAfterHandler: number[] = [];
    socket.onmessage = (event) => socket.send(`re ${String(event.data)}`);
    getNodeControls(socket)!.raw.on('message', () => writesAfterHandler.push(counts.writes.length));
    return { socket, connection, counts, writesAfterHandler };
  }

  it('sends a reply from a message handler at once when that frame was the last one read', async () => {
    const { socket, connection, writesAfterHandler } = await replyingSocket();
    connection.send('ping');
    expect(await nextMessages(connection, 1)).toEqual(['re ping']);
    expect(writesAfterHandler).toEqual([1]); // written before the tick ended, not held for it
    socket.close();
  });

  it('sends the replies to frames parsed from one read together, after the last of them', async () => {
    const { socket, connection, counts, writesAfterHandler } = await replyingSocket();
    const batch = ['a', 'b', 'c'].map((payload) => buildFrame({ opcode: 0x1, payload }));
    connection.sendRaw(Uint8Array.from(batch.flatMap((frame) => [...frame]))); // one TCP write
    expect(await nextMessages(connection, 3)).toEqual(['re a', 're b', 're c']);
    expect(writesAfterHandler).toEqual([0, 0, 1]); // held while frames remained, one write after the last
    expect(counts.writes).toHaveLength(1);
    socket.close();
  });

  it('flushes what was sent before terminate()', async () => {
    const { socket, connection } = await connect();
    const done = closed(socket);
    socket.send('last words');
    getNodeControls(socket)!.terminate();
    await done;
    expect(await nextMessages(connection, 1)).toEqual(['last words']);
  });
});
