// A plain `ws` server on 127.0.0.1:0 for layer-1 tests. (rxws/testing supersedes it as it lands.)
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type ServerOptions, type WebSocket as WsSocket } from 'ws';

export interface Accepted {
  ws: WsSocket;
  request: IncomingMessage;
  messages: { data: Buffer; isBinary: boolean }[];
  closed: Promise<{ code: number; reason: string }>;
}

export interface PlainServer {
  url: string;
  port: number;
  http: Server;
  wss: WebSocketServer;
  accepted: Accepted[];
  nextConnection(): Promise<Accepted>;
  /** Raw TCP sockets that reached the server (also those never upgraded). */
  sockets: Set<Socket>;
  close(): Promise<void>;
}

const open: PlainServer[] = [];

/** Starts a `ws` server; every connection records its messages and close. */
export async function startServer(options: ServerOptions = {}, onRequest?: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<PlainServer> {
  const http = createServer(onRequest ?? ((_, res) => res.writeHead(404).end()));
  const wss = new WebSocketServer({ ...options, server: http });
  const sockets = new Set<Socket>();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const accepted: Accepted[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  let delivered = 0;
  wss.on('connection', (ws, request) => {
    const messages: Accepted['messages'] = [];
    ws.on('message', (data, isBinary) => messages.push({ data: data as Buffer, isBinary }));
    ws.on('error', () => {});
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const entry = { ws, request, messages, closed };
    accepted.push(entry);
    const waiter = waiters.shift();
    if (waiter) {
      delivered++;
      waiter(entry);
    }
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const server: PlainServer = {
    url: `ws://127.0.0.1:${port}`,
    port,
    http,
    wss,
    accepted,
    sockets,
    nextConnection() {
      if (delivered < accepted.length) return Promise.resolve(accepted[delivered++]!);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  open.push(server);
  return server;
}

/** Closes every server started by the current test file. */
export async function closeServers(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

/** Waits until `predicate` holds (polling on a short timer), or fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
