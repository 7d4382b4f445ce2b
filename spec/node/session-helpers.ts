// Real `ws` servers running acceptSessions() and real `ws` clients speaking rxws.session.v1 by
// hand (with the protocol's codec), for the session-server specs. Every server and client made
// here is closed after each test (useSessionTeardown).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket as WsClient, WebSocketServer, type RawData } from 'ws';
import { firstValueFrom, filter, type Observable } from 'rxjs';
import { acceptSessions, memorySessionStore, type Session, type SessionStore } from 'rxws/node';
import { decodeFrame, encodeData, encodeHello, SESSION_PROTOCOL, type SessionFrame, type SessionPayload } from '../../lib/session/protocol.js';

export type Mode = 'port' | 'server' | 'noServer';

/** A WebSocketServer on 127.0.0.1, on a free port. */
export interface TestWss {
  readonly wss: WebSocketServer;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const servers = new Set<TestWss>();
const clients = new Set<WsClient>();

/** Registers the afterEach that closes every server and client of the test. */
export function useSessionTeardown(): void {
  afterEach(async () => {
    for (const client of clients) client.terminate();
    clients.clear();
    await Promise.all([...servers].map((s) => s.close()));
    servers.clear();
  });
}

/** Starts a WebSocketServer with acceptSessions.handleProtocols, in `mode`, on `port` (0: a free one). */
export async function startWss(mode: Mode = 'port', port = 0): Promise<TestWss> {
  let wss: WebSocketServer;
  let http: Server | undefined;
  const handleProtocols = acceptSessions.handleProtocols;
  if (mode === 'port') {
    wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
  } else {
    const server = (http = createServer());
    if (mode === 'server') wss = new WebSocketServer({ server, handleProtocols });
    else {
      const noServer = (wss = new WebSocketServer({ noServer: true, handleProtocols }));
      server.on('upgrade', (request, socket, head) => {
        noServer.handleUpgrade(request, socket, head, (ws) => noServer.emit('connection', ws, request));
      });
    }
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }
  const address = (http ? http.address() : wss.address()) as AddressInfo;
  let closing: Promise<void> | undefined;
  const entry: TestWss = {
    wss,
    port: address.port,
    url: `ws://127.0.0.1:${address.port}`,
    close: () =>
      (closing ??= (async () => {
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        if (http) {
          http.closeAllConnections();
          await new Promise<void>((resolve) => http!.close(() => resolve()));
        }
      })()),
  };
  servers.add(entry);
  return entry;
}

/** A frame as the client saw it: decoded, and whether it came as binary. */
export type ClientFrame = SessionFrame & { readonly binary: boolean };

/** A raw `ws` client speaking the session protocol by hand. */
export class SessionClient {
  readonly ws: WsClient;
  readonly frames: ClientFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #read = 0;
  #waiters: (() => void)[] = [];

  private constructor(ws: WsClient) {
    this.ws = ws;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.protocol !== SESSION_PROTOCOL) return; // not a session connection: the test reads it itself
      const buffer = data as Buffer;
      const frame = decodeFrame(isBinary ? buffer : buffer.toString('utf8'));
      if (!frame) throw new Error(`the server sent a malformed frame: ${buffer.toString()}`);
      this.frames.push({ ...frame, binary: isBinary });
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.closed.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
    ws.on('error', () => undefined);
  }

  /** Opens a connection to `url` offering `protocols` (default: the session protocol only). */
  static async open(url: string, protocols: string[] = [SESSION_PROTOCOL], headers: Record<string, string> = {}): Promise<SessionClient> {
    const ws = new WsClient(url, protocols, { headers });
    clients.add(ws);
    const client = new SessionClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Opens a connection and says hello; resolves with the welcome. */
  static async start(url: string, session: string | null = null, received = 0, headers: Record<string, string> = {}): Promise<{ client: SessionClient; welcome: Extract<SessionFrame, { type: 'welcome' }> }> {
    const client = await SessionClient.open(url, [SESSION_PROTOCOL], headers);
    client.send(encodeHello(session, received));
    const welcome = await client.next();
    if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${welcome.type}`);
    return { client, welcome };
  }

  send(frame: string | Uint8Array): void {
    this.ws.send(frame);
  }

  /** Sends a data frame. */
  data(seq: number, ack: number, payload: SessionPayload): void {
    this.send(encodeData(seq, ack, payload));
  }

  /** The next unread frame (waits up to `ms`; fails if the connection closes first). */
  async next(ms = 5000): Promise<ClientFrame> {
    const deadline = Date.now() + ms;
    while (this.#read >= this.frames.length) {
      if (this.ws.readyState === WsClient.CLOSED) throw new Error(`connection closed; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms; frames so far: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.#read++]!;
  }

  /** The next unread frame, which must be of `type`. */
  async nextOf<T extends SessionFrame['type']>(type: T): Promise<Extract<ClientFrame, { type: T }>> {
    const frame = await this.next();
    if (frame.type !== type) throw new Error(`expected a ${type} frame, got ${JSON.stringify(frame)}`);
    return frame as Extract<ClientFrame, { type: T }>;
  }

  /** Destroys the TCP connection: no close frame (the server sees 1006). */
  drop(): Promise<unknown> {
    this.ws.terminate();
    return this.closed;
  }
}

/** A payload as text. */
export function textOf(payload: SessionPayload): string {
  if (typeof payload === 'string') return payload;
  return Buffer.from(payload instanceof ArrayBuffer ? new Uint8Array(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)).toString();
}

/** Resolves when `session.state$` has the value `state`. */
export function stateOf(session: Session<unknown, unknown>, state: string): Promise<unknown> {
  return firstValueFrom(session.state$.pipe(filter((s) => s === state)));
}

/** Collects the values of an observable, and whether it completed. */
export function collect<T>(source: Observable<T>): { values: T[]; completed: boolean } {
  const result = { values: [] as T[], completed: false };
  source.subscribe({ next: (v) => result.values.push(v), complete: () => (result.completed = true) });
  return result;
}

/** Waits until `predicate` holds (polling on real timers every 5 ms), or fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000, what = 'a condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The sessions an acceptSessions() subscription emits, read in order. */
export class Sessions<In = unknown, Out = In> {
  readonly all: Session<In, Out>[] = [];
  #read = 0;
  #waiters: (() => void)[] = [];
  readonly #received = new Map<Session<In, Out>, Out[]>();
  readonly subscription;

  /** What `session`'s subscribers received so far (subscribed when it was emitted). */
  receivedBy(session: Session<In, Out>): Out[] {
    return this.#received.get(session)!;
  }

  /** Waits until `session` has received `count` messages, and answers them. */
  async receive(session: Session<In, Out>, count: number): Promise<Out[]> {
    const received = this.receivedBy(session);
    await until(() => received.length >= count, 5000, `${count} messages (got ${JSON.stringify(received)})`);
    return received.slice(0, count);
  }

  constructor(source: Observable<Session<In, Out>>) {
    this.subscription = source.subscribe((session) => {
      // Subscribed at once: the messages that came with the hello are delivered right after the emission.
      const received: Out[] = [];
      this.#received.set(session, received);
      session.subscribe((value) => received.push(value));
      this.all.push(session);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The next session emitted (waits up to `ms`). */
  async next(ms = 5000): Promise<Session<In, Out>> {
    if (this.#read < this.all.length) return this.all[this.#read++]!;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no session within ${ms} ms`)), ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.all[this.#read++]!;
  }
}

/** The memory store, answering every call with a promise (a turn later), as a networked store does. */
export function asyncStore(): SessionStore {
  const store = memorySessionStore();
  const later =
    <A extends unknown[], R>(method: (...args: A) => R) =>
    (...args: A) =>
      new Promise<Awaited<R>>((resolve) => setImmediate(() => resolve(method(...args) as Awaited<R>)));
  return {
    create: later(store.create),
    claim: later(store.claim),
    update: later(store.update),
    publish: later(store.publish),
    readInbox: later(store.readInbox),
    expire: later(store.expire),
    end: later(store.end),
    watch: store.watch,
  };
}
