import { WebSocket } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { WebSocket as UndiciWebSocket } from 'undici';
import { useTestServers } from 'rxws/testing';
import { connect as connectTo, until } from '../helpers/client.js';
import { closed, recordEvents } from '../helpers/events.js';

useTestServers();

describe('Node controls of the WebSocket', () => {
  async function connect() {
    const { socket, connection } = await connectTo((url) => new WebSocket(url));
    return { socket, connection, controls: getNodeControls(socket)! };
  }

  it('exist only on rxws sockets, off the standard surface', async () => {
    const { socket } = await connect();
    expect(getNodeControls(socket)).toBeDefined();
    expect(getNodeControls(new UndiciWebSocket('ws://127.0.0.1:1'))).toBeUndefined();
    expect(getNodeControls(null)).toBeUndefined();
    expect(Object.keys(socket)).toEqual([]);
    socket.close();
  });

  it('ping() sends a protocol ping and onPong() sees the pong; the remover stops it', async () => {
    const { socket, connection, controls } = await connect();
    const pings = () => connection.transcript.filter((e) => e.direction === 'in' && e.kind === 'ping').map((e) => new TextDecoder().decode(e.data as Uint8Array));
    const pongs: string[] = [];
    const remove = controls.onPong((data) => pongs.push(Buffer.from(data).toString()));
    controls.ping('hb-1');
    await until(() => pongs.length === 1);
    expect(pings()).toEqual(['hb-1']);
    expect(pongs).toEqual(['hb-1']);
    remove();
    // A listener still attached tells when the pong for hb-2 is back: the removed one heard nothing.
    const later: string[] = [];
    const removeLater = controls.onPong((data) => later.push(Buffer.from(data).toString()));
    controls.ping('hb-2');
    await until(() => pings().length === 2);
    await until(() => later.length === 1, 5000, 'the pong for hb-2');
    expect(later).toEqual(['hb-2']);
    expect(pongs).toEqual(['hb-1']);
    removeLater();
    socket.close();
    await closed(socket);
    expect(() => controls.ping()).not.toThrow(); // a no-op once closed
  });

  it('pause() stops reading, so the server backs up; resume() delivers everything in order', async () => {
    const { socket, connection, controls } = await connect();
    const got: number[] = [];
    socket.addEventListener('message', (e) => got.push(Number((e as MessageEvent).data.length)));
    controls.pause();
    expect(controls.isPaused).toBe(true);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) connection.send(chunk);
    await until(() => connection.raw.bufferedAmount > 1024 * 1024);
    expect(got.length).toBeLessThan(200);
    controls.resume();
    expect(controls.isPaused).toBe(false);
    await until(() => got.length === 200, 10_000);
    socket.close();
  });

  it('onWritten() is called as queued data reaches the network', async () => {
    const { socket, controls } = await connect();
    let calls = 0;
    const seen: number[] = [];
    const remove = controls.onWritten(() => {
      calls++;
      seen.push(socket.bufferedAmount);
    });
    socket.send('a'.repeat(10));
    socket.send('b'.repeat(20));
    await until(() => calls === 2);
    expect(seen).toEqual([20, 0]);
    remove();
    socket.send('c');
    await until(() => socket.bufferedAmount === 0);
    expect(calls).toBe(2);
    socket.close();
  });

  it('terminate() destroys the connection at once: error, then close 1006', async () => {
    const { socket, connection, controls } = await connect();
    const log = recordEvents(socket);
    const done = closed(socket);
    controls.terminate();
    await done;
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
    expect((await connection.closed).code).toBe(1006);
  });
});
