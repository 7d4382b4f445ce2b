// A server that breaks the protocol fails the connection at once (spec/websocket/protocol-errors):
// webSocket() errors with WebSocketCloseError 1006 then, and reconnect() starts at once, even when
// the server never closes its side (waiting for it would take ws's 30 s closing timeout).
import { webSocket, reconnect, WebSocketCloseError } from 'rxws';
import { frames } from 'rxws/testing';
import { firstValueFrom, toArray, take } from 'rxjs';
import { acceptUpgrade, createRawServer, type RawServer } from '../helpers/raw-server.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Every connection gets `message`, then a text frame of invalid UTF-8; the server never closes. */
async function misbehavingServer(message: string): Promise<RawServer> {
  const server = await createRawServer((request, socket) => {
    acceptUpgrade(request, socket);
    socket.write(Buffer.concat([frames.text(message), frames.invalidUtf8()]));
  });
  servers.push(server);
  return server;
}

describe('webSocket() on a server that breaks the protocol', () => {
  it('delivers the messages before the bad frame, then errors with WebSocketCloseError 1006 (not clean)', async () => {
    const server = await misbehavingServer('"before"');
    const received: unknown[] = [];
    const error = await new Promise<unknown>((resolve) => {
      webSocket<unknown>(server.url).subscribe({ next: (value) => received.push(value), error: resolve, complete: () => resolve('completed') });
    });
    expect(received).toEqual(['before']);
    expect(error).toBeInstanceOf(WebSocketCloseError);
    const closeError = error as WebSocketCloseError;
    expect([closeError.code, closeError.wasClean]).toEqual([1006, false]);
  });

  it('reconnect() connects again at once', async () => {
    const server = await misbehavingServer('"hello"');
    const values = await firstValueFrom(webSocket<unknown>(server.url).pipe(reconnect({ initialDelay: 1, maxDelay: 1 }), take(3), toArray()));
    expect(values).toEqual(['hello', 'hello', 'hello']);
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
  });
});
