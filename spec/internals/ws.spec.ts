// lib/internals/ws.ts: every reach into `ws`'s private state has a probe and a fallback. These
// tests run the WebSocket's key behaviours against a real `ws` server with the probes as found,
// and again with every fallback forced (as if `ws` had renamed its fields), and check what each
// fallback gives up is only speed.
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'rxws';
import { wrapWebSocket, getNodeControls } from 'rxws/node';
import { buildFrame, createTestServer, useTestServers } from 'rxws/testing';
import { probes } from '../../lib/internals/ws.js';
import { connect, nextMessages, until } from '../helpers/client.js';
import { bytesOf, closed, nextEvent } from '../helpers/events.js';
import { openWs, type WsClient } from '../testing/clients.js';

useTestServers();

const found = { ...probes };
function forceFallbacks(names: (keyof typeof probes)[] = Object.keys(probes) as (keyof typeof probes)[]): void {
  for (const name of names) probes[name] = false;
}
afterEach(() => Object.assign(probes, found));

/** The client's TCP socket, read for observation only. */
function tcpOf(socket: WebSocket): Socket {
  return (getNodeControls(socket)!.raw as unknown as { _socket: Socket })._socket;
}

describe('internals/ws: the probes', () => {
  it('find the private fields of the installed ws', () => {
    expect(found).toEqual({ socket: true, receiverBufferedBytes: true, closeFrameSent: true });
  });

  // Jest runs the CommonJS build; users of `import` run the ES module build, where `ws` is its
  // ES module wrapper (whose WebSocket class does not carry Receiver): the probes must hold there too.
  it.each(['esm', 'cjs'])('find them in the %s build, run by Node itself', async (build) => {
    const { execFileSync } = await import('node:child_process');
    const path = join(__dirname, '..', '..', 'dist', build, 'internals', 'ws.js');
    const code = build === 'esm' ? `import(${JSON.stringify(pathToFileURL(path).href)}).then((m) => console.log(JSON.stringify(m.probes)))` : `console.log(JSON.stringify(require(${JSON.stringify(path)}).probes))`;
    const output = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ socket: true, receiverBufferedBytes: true, closeFrameSent: true });
  });
});

describe.each([
  ['as probed', (): void => {}],
  ['with every fallback forced', (): void => forceFallbacks()],
])('internals/ws: a dialled WebSocket %s', (_label, setUp) => {
  beforeEach(setUp);
  const open = () => connect((url) => new WebSocket(url));

  it('connects and sends text, binary and a 64 KiB message, with bufferedAmount back to 0', async () => {
    const { socket, connection } = await open();
    const big = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    socket.send('hello');
    socket.send(new Uint8Array([1, 2, 3]));
    socket.send(big);
    expect(socket.bufferedAmount).toBe(5 + 3 + big.byteLength);
    expect(await nextMessages(connection, 3)).toEqual(['hello', new Uint8Array([1, 2, 3]), big]);
    await until(() => socket.bufferedAmount === 0, 5000, 'bufferedAmount 0');
    connection.send('back');
    connection.send(new Uint8Array([9]));
    const events: MessageEvent[] = [];
    await new Promise<void>((resolve) => {
      socket.onmessage = (event) => {
        events.push(event);
        if (events.length === 2) resolve();
      };
    });
    expect(events[0]!.data).toBe('back');
    expect(await bytesOf(events[1]!.data)).toEqual([9]);
    socket.close();
  });

  it('closes cleanly with 1000 when the client starts the closing handshake', async () => {
    const { socket, connection } = await open();
    const close = closed(socket);
    socket.close(1000, 'bye');
    const event = await close;
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, 'bye', true]);
    expect((await connection.closed).code).toBe(1000);
  });

  it('closes cleanly with 1000 when the server starts it', async () => {
    const { socket, connection } = await open();
    const close = closed(socket);
    await connection.close(1000, 'done');
    const event = await close;
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, 'done', true]);
  });

  it('reports 1005, cleanly, for a close frame without a code', async () => {
    const { socket, connection } = await open();
    const close = closed(socket);
    await connection.close();
    const event = await close;
    expect([event.code, event.wasClean]).toEqual([1005, true]);
  });

  it('reports 1006, not clean, after an error event, when the server drops the connection', async () => {
    const { socket, connection } = await open();
    const order: string[] = [];
    socket.onerror = () => order.push('error');
    const close = closed(socket);
    connection.drop();
    const event = await close;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(order).toEqual(['error']);
  });

  it('coalesces a burst into one write through the upgrade response socket (public: no probe needed)', async () => {
    const { socket, connection } = await open();
    const tcp = tcpOf(socket);
    for (let i = 0; i < 50; i++) socket.send(`m${i}`);
    expect(tcp.writableCorked).toBe(1); // held by rxws until the end of the tick (ws's own corks are undone)
    expect(await nextMessages(connection, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    socket.close();
  });

  it('answers every frame of one read, in order', async () => {
    const { socket, connection } = await open();
    socket.onmessage = (event) => socket.send(`re ${String(event.data)}`);
    const batch = ['a', 'b', 'c'].map((payload) => buildFrame({ opcode: 0x1, payload }));
    connection.sendRaw(Uint8Array.from(batch.flatMap((frame) => [...frame])));
    expect(await nextMessages(connection, 3)).toEqual(['re a', 're b', 're c']);
    socket.close();
  });
});

describe('internals/ws: what each fallback gives up', () => {
  const clients: WsClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.terminate()));

  async function accept(withRequest: boolean) {
    const server = await createTestServer();
    const client = await openWs(server.url);
    clients.push(client);
    const connection = await server.nextConnection();
    const tcp = connection.socket as Socket;
    const socket = wrapWebSocket(connection.raw, withRequest ? connection.request.raw : undefined);
    return { client, socket, tcp };
  }
  let corkedAfterBurst = -1;
  async function burst(socket: WebSocket, client: WsClient, tcp: Socket): Promise<string[]> {
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        received.push(data.toString());
        if (received.length === 20) resolve();
      }),
    );
    for (let i = 0; i < 20; i++) socket.send(`s${i}`);
    corkedAfterBurst = tcp.writableCorked;
    await all;
    return received;
  }
  const twenty = Array.from({ length: 20 }, (_, i) => `s${i}`);

  it('tcpSocketOf: a socket wrapped without its request coalesces through ws._socket', async () => {
    const { client, socket, tcp } = await accept(false);
    expect(await burst(socket, client, tcp)).toEqual(twenty);
    expect(corkedAfterBurst).toBe(1);
  });

  it('tcpSocketOf fallback: without ws._socket it writes each send on its own, in order', async () => {
    forceFallbacks(['socket']);
    const { client, socket, tcp } = await accept(false);
    expect(await burst(socket, client, tcp)).toEqual(twenty);
    expect(corkedAfterBurst).toBe(0);
  });

  it('a socket wrapped with its request coalesces through the request socket, whatever the probe', async () => {
    forceFallbacks(['socket']);
    const { client, socket, tcp } = await accept(true);
    expect(await burst(socket, client, tcp)).toEqual(twenty);
    expect(corkedAfterBurst).toBe(1);
  });

  it('receiverIsDrained fallback: a reply to the last frame of a read waits for the end of the tick', async () => {
    const writesAfterHandler = async () => {
      const { socket, connection } = await connect((url) => new WebSocket(url));
      const tcp = tcpOf(socket);
      const seen: boolean[] = [];
      socket.onmessage = (event) => socket.send(`re ${String(event.data)}`);
      // A listener on the raw socket, added after rxws's, runs right after the handler.
      getNodeControls(socket)!.raw.on('message', () => seen.push(tcp.writableCorked === 0));
      connection.send('ping');
      expect(await connection.nextMessage()).toBe('re ping');
      socket.close();
      return seen;
    };
    expect(await writesAfterHandler()).toEqual([true]); // uncorked at once
    forceFallbacks(['receiverBufferedBytes']);
    expect(await writesAfterHandler()).toEqual([false]); // still corked: leaves at the end of the tick
  });

  it('closedCleanly fallback: a received close frame counts as the closing handshake', async () => {
    forceFallbacks(['closeFrameSent']);
    const { socket, connection } = await connect((url) => new WebSocket(url));
    const close = nextEvent<CloseEvent>(socket, 'close');
    await connection.close(4001, 'x');
    const event = await close;
    expect([event.code, event.wasClean]).toEqual([4001, true]);
  });
});

