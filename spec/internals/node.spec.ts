// lib/internals/node.ts: every reach into Node's private state has a probe and a fallback. These
// tests run the WebSocket's key behaviours against a real `ws` server with the probes as found,
// and again with every fallback forced, and hold that the EventTarget maps shared by idle sockets
// never carry a listener from one socket to another, whatever route added it.
import { getEventListeners } from 'node:events';
import { WebSocket } from 'rxws';
import { getNodeControls } from 'rxws/node';
import { createTestServer, useTestServers } from 'rxws/testing';
import { probes } from '../../lib/internals/node.js';
import { connect, nextMessages, until } from '../helpers/client.js';
import { bytesOf, closed, nextEvent } from '../helpers/events.js';

useTestServers();

const found = { ...probes };
afterEach(() => Object.assign(probes, found));
function forceFallbacks(): void {
  for (const name of Object.keys(probes) as (keyof typeof probes)[]) probes[name] = false;
}

describe('internals/node: the probes', () => {
  it('find the private state of this Node version', () => {
    expect(found).toEqual({ eventsCount: true, eventTargetMaps: true, listenerCount: true });
  });
});

describe.each([
  ['as probed', (): void => {}],
  ['with every fallback forced', forceFallbacks],
])('internals/node: a WebSocket %s', (_label, setUp) => {
  beforeEach(setUp);
  const open = () => connect((url) => new WebSocket(url));

  it('connects, sends text and 64 KiB of binary, receives, and closes cleanly with 1000', async () => {
    const { socket, connection } = await open();
    const big = new Uint8Array(64 * 1024).fill(7);
    socket.send('hi');
    socket.send(big);
    expect(await nextMessages(connection, 2)).toEqual(['hi', big]);
    await until(() => socket.bufferedAmount === 0, 5000, 'bufferedAmount 0');
    const message = nextEvent<MessageEvent>(socket, 'message');
    connection.send(new Uint8Array([1, 2]));
    expect(await bytesOf((await message).data)).toEqual([1, 2]);
    const close = closed(socket);
    socket.close(1000);
    const event = await close;
    expect([event.code, event.wasClean]).toEqual([1000, true]);
  });

  it('hasListeners: a pong listener on the ws socket still runs; an error nobody listens to does not throw', async () => {
    const { socket, connection } = await open();
    const pong = new Promise<Uint8Array>((resolve) => getNodeControls(socket)!.onPong(resolve));
    getNodeControls(socket)!.ping('p');
    expect(Buffer.from(await pong).toString()).toBe('p');
    const close = closed(socket);
    connection.drop();
    expect((await close).code).toBe(1006);
  });

  it('a listener added through EventTarget.prototype.addEventListener hears its own socket only', async () => {
    const server = await createTestServer();
    // No listener of any kind on either socket: both share the empty maps (when probed so).
    const a = new WebSocket(server.url);
    const b = new WebSocket(server.url);
    const connections = [await server.nextConnection(), await server.nextConnection()];
    await until(() => a.readyState === WebSocket.OPEN && b.readyState === WebSocket.OPEN, 5000, 'both open');
    const heard: string[] = [];
    // Bypasses WebSocket's own methods: Node's EventTarget code writes the listener map directly.
    EventTarget.prototype.addEventListener.call(a, 'message', (event) => heard.push(`a:${String((event as MessageEvent).data)}`));
    // A listener on the raw `ws` socket runs right after rxws has dispatched the message.
    const dispatched = (socket: WebSocket) =>
      new Promise<string>((resolve) => getNodeControls(socket)!.raw.once('message', (data: Buffer) => resolve(data.toString())));
    const [aDispatched, bDispatched] = [dispatched(a), dispatched(b)];
    for (const connection of connections) connection.send(`to #${connection.id}`);
    const [toA, toB] = [await aDispatched, await bDispatched];
    expect(toA).not.toBe(toB);
    expect(heard).toEqual([`a:${toA}`]);
    // And a socket made after starts with no listener either.
    const c = new WebSocket(server.url);
    expect(getEventListeners(c, 'message')).toEqual([]);
    expect(getEventListeners(b, 'message')).toEqual([]);
    expect(getEventListeners(a, 'message')).toHaveLength(1);
    c.close();
    a.close();
    b.close();
  });
});
