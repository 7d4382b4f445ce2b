// A bare HTTP server that answers WebSocket upgrades by hand: what a server that misbehaves (never
// closes its side, sends what `ws` would refuse to, asks for credentials) looks like on the wire.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A raw upgrade server on 127.0.0.1: its URL, every upgrade request seen, and its TCP sockets. */
export interface RawServer {
  url: string;
  requests: IncomingMessage[];
  sockets: Socket[];
  close(): Promise<void>;
}

/** Starts a server that hands each upgrade request to `onUpgrade`. */
export async function createRawServer(onUpgrade: (request: IncomingMessage, socket: Socket) => void): Promise<RawServer> {
  const requests: IncomingMessage[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((_request, response) => response.writeHead(426).end());
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    requests.push(request);
    sockets.push(socket);
    socket.on('error', () => {}); // a client that destroys its side may reset ours
    onUpgrade(request, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers `request` with 101 Switching Protocols (accepting its first subprotocol, if any). */
export function acceptUpgrade(request: IncomingMessage, socket: Socket): void {
  const accept = createHash('sha1').update(`${String(request.headers['sec-websocket-key'])}${GUID}`).digest('base64');
  const offered = request.headers['sec-websocket-protocol'];
  const protocol = typeof offered === 'string' ? offered.split(',')[0]!.trim() : undefined;
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
  );
}

/** Answers `request` with an HTTP error status and closes the connection. */
export function refuseUpgrade(socket: Socket, status: number, headers: Record<string, string> = {}): void {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n${lines}\r\n`);
}

/**
 * Resolves when the client has closed its side of `socket` (FIN or reset). An HTTP server's
 * sockets allow half-open connections, so the server's side stays open until it ends it.
 */
export function clientClosedTcp(socket: Socket): Promise<void> {
  if (socket.readableEnded || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.resume(); // 'end' comes once what the client sent has been read
  });
}
