import { WebSocket as WsClient } from 'ws';
import { WebSocket } from 'rxws';
import { wrapWebSocket } from 'rxws/node';
import { closeServers, startServer, until } from '../helpers/server.js';
import { closed, nextEvent, recordEvents } from '../helpers/events.js';

afterEach(closeServers);

describe('wrapWebSocket (server side)', () => {
  async function accept() {
    const server = await startServer();
    const client = new WsClient(`${server.url}/room/7?x=1`);
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const accepted = await server.nextConnection();
    await new Promise((r) => client.once('open', r));
    const socket = wrapWebSocket(accepted.ws, accepted.request);
    return { server, client, socket, received };
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
    const server = await startServer();
    const client = new WsClient(server.url);
    const accepted = await server.nextConnection();
    await new Promise((r) => client.once('open', r));
    const socket = wrapWebSocket(accepted.ws);
    expect(socket.url).toBe('');
    expect(() => wrapWebSocket({} as never)).toThrow(TypeError);
    client.terminate();
  });
});
