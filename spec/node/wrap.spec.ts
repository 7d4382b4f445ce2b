import { WebSocket } from 'rxws';
import { wrapWebSocket } from 'rxws/node';
import { createTestServer, useTestServers } from 'rxws/testing';
import { until } from '../helpers/client.js';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';
import { openWs, type WsClient } from '../testing/clients.js';

useTestServers();

// The test server accepts; its connection's `ws` socket (`connection.raw`) and upgrade request are
// what a `ws` server's 'connection' handler gets, and the peer is a raw `ws` client.
describe('wrapWebSocket (server side)', () => {
  const clients: WsClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.terminate()));

  async function connectClient(path = '') {
    const server = await createTestServer();
    const client = await openWs(`${server.url}${path}`);
    clients.push(client);
    return { server, client, connection: await server.nextConnection() };
  }

  async function accept() {
    const { server, client, connection } = await connectClient('/room/7?x=1');
    return { server, client, socket: wrapWebSocket(connection.raw, connection.request.raw) };
  }

  it('gives an accepted connection the WebSocket interface, already OPEN', async () => {
    const { server, socket, client } = await accept();
    expect(socket).toBeInstanceOf(WebSocket);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(socket.url).toBe(`ws://127.0.0.1:${server.port}/room/7?x=1`);
    const message = nextEvent<MessageEvent>(socket, 'message');
    client.send('from client');
    const event = await message;
    expect(event.data).toBe('from client');
    expect(event.origin).toBe(`ws://127.0.0.1:${server.port}`);
  });

  it('delivers binary per its own binaryType and leaves the ws socket (and its other listeners) as they were', async () => {
    const { server, client, connection } = await connectClient();
    const before = connection.raw.binaryType;
    const socket = wrapWebSocket(connection.raw, connection.request.raw);
    expect(connection.raw.binaryType).toBe(before);
    const got: unknown[] = [];
    socket.addEventListener('message', (e) => got.push((e as MessageEvent).data));
    client.send(Buffer.from([1, 2]));
    await until(() => got.length === 1);
    socket.binaryType = 'arraybuffer';
    client.send(Buffer.from([3]));
    await until(() => got.length === 2);
    expect(got[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (got[0] as Blob).arrayBuffer())]).toEqual([1, 2]);
    expect(Object.prototype.toString.call(got[1])).toBe('[object ArrayBuffer]');
    expect([...new Uint8Array(got[1] as ArrayBuffer)]).toEqual([3]);
    // The kit, another listener on the same ws socket, still records exact bytes.
    expect(connection.messages).toEqual([new Uint8Array([1, 2]), new Uint8Array([3])]);
    void server;
  });

  it("delivers Buffers with { binaryType: 'nodebuffer' }, and rejects an unknown binaryType", async () => {
    const { client, connection } = await connectClient();
    expect(() => wrapWebSocket(connection.raw, connection.request.raw, { binaryType: 'buffer' as 'blob' })).toThrow(TypeError);
    const socket = wrapWebSocket(connection.raw, connection.request.raw, { binaryType: 'nodebuffer' });
    expect(socket.binaryType).toBe('nodebuffer');
    const message = nextEvent<MessageEvent>(socket, 'message');
    client.send(Buffer.from([4, 5]));
    const data = (await message).data as unknown;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...(data as Buffer)]).toEqual([4, 5]);
  });

  it('sends text and binary, counts bufferedAmount, and keeps order', async () => {
    const { socket, client } = await accept();
    const got: unknown[] = [];
    client.on('message', (data, isBinary) => got.push(isBinary ? [...(data as Buffer)] : String(data)));
    const bytes = new Uint8Array([1, 2, 3]);
    socket.send('a');
    socket.send(bytes);
    bytes.fill(0); // the wrapper copies binary it cannot frame at once
    socket.send(new Blob(['c']));
    expect(socket.bufferedAmount).toBe(5);
    await until(() => got.length === 3);
    expect(got).toEqual(['a', [1, 2, 3], [99]]);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('closes with a code and reason; the client sees them; close event is clean', async () => {
    const { socket, client } = await accept();
    const log = recordEvents(socket);
    const clientClosed = new Promise<[number, string]>((r) => client.on('close', (code, reason) => r([code, String(reason)])));
    const done = closed(socket);
    socket.close(4000, 'server says bye');
    expect(await clientClosed).toEqual([4000, 'server says bye']);
    const event = await done;
    expect([event.code, event.wasClean]).toEqual([4000, true]);
    expect(log).toEqual(['close 4000 true rs=3']);
  });

  it('reports a client that drops as error then close 1006', async () => {
    const { socket, client } = await accept();
    const log = recordEvents(socket);
    const done = closed(socket);
    client.terminate();
    await done;
    expect(log).toEqual(['error rs=3', 'close 1006 false rs=3']);
  });

  it('has an empty url without the request, and rejects what is not a ws socket', async () => {
    const { connection } = await connectClient();
    const socket = wrapWebSocket(connection.raw);
    expect(socket.url).toBe('');
    expect(() => wrapWebSocket({} as never)).toThrow(TypeError);
  });
});
