// The loopback test server: a real `ws` server on 127.0.0.1, a free port, no global patched, so
// any client can reach it (rxws, `ws`, undici, jsdom, a browser) and parallel test files never
// collide. It owns the HTTP upgrade itself, which is where refusals, delays and holds happen.
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Buffer } from 'node:buffer';
import { WebSocketServer, type PerMessageDeflateOptions, type WebSocket as WsSocket } from 'ws';
import { jsonCodec, rawCodec, type Codec } from './codec.js';
import { ConnectionClosedError, TestConnection, expectQuiet, type ConnectionHost } from './connection.js';
import { DecodeError } from './codec.js';
import { formatMessageList } from './format.js';
import { MessageQueue, WaitTimeoutError, type PendingWait, type WaitOptions } from './message-queue.js';
import { RuleSet, type ReplyRule } from './script.js';
import { makeReport, track, untrack, type TeardownReport } from './teardown.js';
import { realClearTimeout, realDelay, realSetTimeout } from './timers.js';

/** A handshake refusal: the HTTP status, and optionally headers and a body. */
export interface Refusal {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: string;
}

/** What `verify` returns: `true` accepts, `false` refuses with 401, a number or {@link Refusal} refuses with that status. */
export type VerifyResult = boolean | number | Refusal;

/** Options of {@link createTestServer}. */
export interface TestServerOptions {
  /** Parse incoming text frames as JSON and stringify outgoing messages (binary passes through). */
  json?: boolean;
  /** A custom {@link Codec} (wins over `json`). */
  codec?: Codec;
  /**
   * Subprotocol selection: a list (the first protocol the client offers that is in it is chosen;
   * none if there is no common one) or a function of the offered list returning the choice or
   * `false`.
   */
  protocols?: readonly string[] | ((offered: string[], request: IncomingMessage) => string | false);
  /** Handshake verification, may be async (see {@link VerifyResult}). */
  verify?: (request: IncomingMessage) => VerifyResult | Promise<VerifyResult>;
  /** permessage-deflate: `true` or `ws`'s options to offer it. Default: off. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message the server accepts, in bytes (`ws` closes with 1009 beyond). Default 100 MiB. */
  maxPayload?: number;
  /** Delay every handshake by this many real milliseconds (`Infinity` holds them; see {@link TestServer.delayHandshake}). */
  handshakeDelay?: number;
  /** Delay every scripted reply by this many real milliseconds. */
  replyDelay?: number;
  /**
   * Default timeout of the waits, in real milliseconds. Default 3000: generous for a loaded CI
   * machine, and under Jest's default 5 s test timeout, so a wait that fails says what arrived.
   */
  timeout?: number;
  /** Serve `wss://` with these TLS options (`key`, `cert`…). */
  tls?: HttpsServerOptions;
  /** Listen on this port instead of a free one. */
  port?: number;
}

/** Options of {@link TestServer.restart}. */
export interface RestartOptions {
  /** Drop the connections (1006 for the clients) instead of closing them with 1012 Service Restart. */
  drop?: boolean;
  /** How long the port stays closed, in real milliseconds (clients trying meanwhile get ECONNREFUSED). Default 0. */
  downtime?: number;
}

/** Options of {@link TestServer.close}. */
export interface CloseOptions {
  /** Drop the connections instead of closing them with 1001 Going Away. */
  drop?: boolean;
}

/** One upgrade request the server saw, and what became of it. */
export interface HandshakeRecord {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** `accepted`, `refused` (with `status`), or `aborted` (the server closed or the client left while it was held). */
  outcome: 'pending' | 'accepted' | 'refused' | 'aborted';
  status?: number;
}

const DEFAULT_REFUSAL_STATUS = 503;
const DEFAULT_WAIT_TIMEOUT_MS = 3000;
const CLOSE_GRACE_MS = 500;
const SETTLE_MS = 25;
const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;

/**
 * Starts a WebSocket server on `127.0.0.1` (a free port unless `port` is given) for a test.
 * Close it with `server.close()`, `closeAllTestServers()` / `useTestServers()`, or `await using`.
 *
 * @example
 * const server = await createTestServer({ json: true });
 * const client = new WebSocket(server.url);
 * const connection = await server.nextConnection();
 * await expect(connection.nextMessage()).resolves.toEqual({ type: 'hello' });
 */
export async function createTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = new TestServer(options);
  await server.listen();
  return server;
}

/** A running test server (see {@link createTestServer}). */
export class TestServer implements ConnectionHost {
  /** @internal */ readonly codec: Codec;
  /** @internal */ readonly rules = new RuleSet<TestConnection>();
  /** Every connection accepted so far, in order, open or closed, across restarts. */
  readonly connections: TestConnection[] = [];
  /** Every message received on any connection, decoded, in arrival order. */
  readonly messages: unknown[] = [];
  /** Every upgrade request seen, in order (accepted, refused, held…). */
  readonly handshakes: HandshakeRecord[] = [];
  /** The underlying HTTP(S) server and `ws` server, for anything the kit does not cover. */
  readonly raw: { readonly http: HttpServer; readonly wss: WebSocketServer };

  readonly #options: TestServerOptions;
  readonly #messageQueue = new MessageQueue<unknown>();
  readonly #connectionQueue = new MessageQueue<TestConnection>();
  readonly #sockets = new Set<Duplex>();
  readonly #held = new Map<() => void, Duplex>();
  readonly #connectionHandlers = new Set<(connection: TestConnection) => unknown>();
  readonly #errors: Error[] = [];
  readonly #secure: boolean;
  #port = 0;
  #nextId = 1;
  #refusals: Refusal[] = [];
  #handshakeDelay: number;
  #replyDelay: number;
  #closing: Promise<TeardownReport> | undefined;

  /** @internal Use {@link createTestServer}. */
  constructor(options: TestServerOptions) {
    this.#options = options;
    this.codec = options.codec ?? (options.json ? jsonCodec : rawCodec);
    this.#handshakeDelay = options.handshakeDelay ?? 0;
    this.#replyDelay = options.replyDelay ?? 0;
    this.#secure = options.tls !== undefined;
    const http = options.tls ? createHttpsServer(options.tls) : createHttpServer();
    // A plain HTTP request is not what a WebSocket test server is for.
    http.on('request', (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
      res.end('This is a WebSocket test server.');
    });
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#onUpgrade(request, socket, head);
    });
    http.on('connection', (socket: Socket) => this.#trackSocket(socket));
    http.on('secureConnection', (socket: Socket) => this.#trackSocket(socket));
    const { protocols } = options;
    if (typeof WebSocketServer !== 'function') {
      // Jest's jsdom environment resolves `ws` with the `browser` condition, to a stub.
      throw new Error(
        'The test server needs the Node build of `ws`, but this environment resolved its browser stub. Under jest-environment-jsdom add the docblock `@jest-environment-options {"customExportConditions": ["node", "node-addons"]}` (or set testEnvironmentOptions).',
      );
    }
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: options.perMessageDeflate ?? false,
      maxPayload: options.maxPayload ?? 100 * 1024 * 1024,
      handleProtocols: (offered, request) => {
        const list = [...offered];
        if (typeof protocols === 'function') return protocols(list, request);
        if (protocols) return list.find((p) => protocols.includes(p)) ?? false;
        return false;
      },
    });
    this.raw = { http, wss };
    if (asyncDispose) {
      // `await using server = await createTestServer()` where the runtime has explicit resource management.
      Object.defineProperty(this, asyncDispose, { value: () => this.close(), configurable: true });
    }
  }

  /** `ws://127.0.0.1:PORT` (`wss://` with `tls`), without a trailing slash: append a path freely. */
  get url(): string {
    return `${this.#secure ? 'wss' : 'ws'}://127.0.0.1:${this.#port}`;
  }

  /** The port the server listens on (the same after a restart). */
  get port(): number {
    return this.#port;
  }

  /** The connections that are open now. */
  get openConnections(): TestConnection[] {
    return this.connections.filter((c) => c.isOpen);
  }

  /** Whether the server has been closed (or is closing). */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** @internal */
  get defaultTimeout(): number {
    return this.#options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  }

  /** @internal */
  get replyDelay(): number {
    return this.#replyDelay;
  }

  /** Upgrade requests being held by `delayHandshake(Infinity)`. */
  get heldHandshakes(): number {
    return this.#held.size;
  }

  /** @internal Starts listening (on the same port after the first time). */
  async listen(): Promise<void> {
    const http = this.raw.http;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      http.once('error', onError);
      http.listen(this.#port || this.#options.port || 0, '127.0.0.1', () => {
        http.off('error', onError);
        resolve();
      });
    });
    this.#port = (http.address() as AddressInfo).port;
    track(this);
  }

  /**
   * The next connection to be accepted (each call gets the next one: the 1st, the 2nd, the one
   * after a restart…). Rejects after `timeout` ms, or when the server closes.
   */
  nextConnection(options: WaitOptions = {}): Promise<TestConnection> {
    return this.#connectionQueue.next({
      ...options,
      label: `nextConnection() on ${this.url}`,
      defaultTimeout: this.defaultTimeout,
      timeoutError: (ms) => {
        const refused = this.handshakes.filter((h) => h.outcome === 'refused').length;
        return new WaitTimeoutError(
          `Timed out after ${ms} ms waiting for a connection to ${this.url}. Accepted so far: ${this.connections.length}; upgrade requests: ${this.handshakes.length} (${refused} refused, ${this.#held.size} held).`,
        );
      },
    });
  }

  /**
   * The next unread message from any connection, in arrival order (server-wide; reading it here
   * does not read it on its connection, each has its own queue). Same failure modes as
   * `TestConnection.nextMessage`, except that it survives connections closing and restarts.
   */
  nextMessage<T = unknown>(options: WaitOptions = {}): Promise<T> {
    return this.nextMessageExpecting(undefined, options) as Promise<T>;
  }

  /** @internal The next message, naming what is expected in the timeout error (for matchers). */
  nextMessageExpecting(expected: string | undefined, options: WaitOptions): Promise<unknown> {
    return this.#messageQueue.next({
      ...options,
      label: `nextMessage() on ${this.url}`,
      defaultTimeout: this.defaultTimeout,
      timeoutError: (ms) =>
        new WaitTimeoutError(
          `Timed out after ${ms} ms waiting for ${expected === undefined ? 'the next message' : 'a message'} on ${this.url}.\n${expected === undefined ? '' : `Expected: ${expected}\n`}${this.#receivedSoFar()}`,
        ),
    });
  }

  /** Resolves if no message from any connection is unread now and none arrives within `ms` (default 100). */
  expectNoMessage(ms: number = 100): Promise<void> {
    return expectQuiet(this.#messageQueue, ms, this.url, () => this.#receivedSoFar());
  }

  /** Sends `message` to every open connection (stalled ones stay silent); returns how many got it. */
  send(message: unknown): number {
    const open = this.openConnections;
    for (const connection of open) connection.send(message);
    return open.length;
  }

  /**
   * Adds a reply rule for every connection, present and future (connection rules go first). The
   * first active rule matching a message answers it; the message is still recorded and queued.
   *
   * @example
   * server.on({ type: 'ping' }).reply({ type: 'pong' });
   * server.on((m) => m.op === 'sub').reply((m, connection) => ({ op: 'ack', id: m.id }));
   */
  on(match: unknown): ReplyRule<TestConnection> {
    return this.rules.add(match);
  }

  /**
   * Calls `handler` with every connection accepted from now on (to greet it, add rules, fault it).
   * Returns a function that removes the handler.
   */
  onConnection(handler: (connection: TestConnection) => unknown): () => void {
    this.#connectionHandlers.add(handler);
    return () => this.#connectionHandlers.delete(handler);
  }

  /**
   * Refuses the next `n` upgrade requests with HTTP `status` (default 503 Service Unavailable, a
   * "try again later" that reconnecting clients must survive).
   */
  refuseNext(n = 1, status = DEFAULT_REFUSAL_STATUS, init: Omit<Refusal, 'status'> = {}): void {
    for (let i = 0; i < n; i++) this.#refusals.push({ status, ...init });
  }

  /**
   * Delays every upgrade response from now on by `ms` real milliseconds; `Infinity` holds them
   * until {@link TestServer.releaseHandshakes} (for connect-timeout tests), `0` stops delaying.
   */
  delayHandshake(ms: number): void {
    this.#handshakeDelay = ms;
  }

  /** Lets the handshakes held by `delayHandshake(Infinity)` proceed (and stops holding new ones). */
  releaseHandshakes(): void {
    if (this.#handshakeDelay === Infinity) this.#handshakeDelay = 0;
    for (const release of [...this.#held.keys()]) release();
  }

  /** Delays every scripted reply from now on by `ms` real milliseconds. */
  delayReplies(ms: number): void {
    this.#replyDelay = ms;
  }

  /**
   * Closes every connection (1012 Service Restart, or a drop), stops listening, and listens again
   * on the same port. Server-wide queues, rules and history carry over; `nextConnection()` resolves
   * with the clients that reconnect.
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    if (this.#closing) throw new Error(`Cannot restart ${this.url}: it is closed.`);
    await this.#shutDownConnections(options.drop ? 'drop' : 1012, 'Service Restart');
    await this.#stopListening();
    if (options.downtime) await realDelay(options.downtime);
    await this.listen();
  }

  /**
   * Closes the server: connections get 1001 Going Away (or are dropped), held handshakes are cut,
   * pending waits reject with a clear error, and it resolves when the port is free, with a
   * report of what the test left behind. Calling it again returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<TeardownReport> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<TeardownReport> {
    // A client closed just before teardown (its close frame still in flight) is not "left open":
    // give open connections a moment to finish closing on their own.
    const stillOpen = this.openConnections;
    if (stillOpen.length > 0) await Promise.race([Promise.all(stillOpen.map((c) => c.closed)), realDelay(SETTLE_MS)]);
    // Stalled or not-reading connections are paused on purpose, and a paused socket never sees the peer leave.
    const openConnections = this.openConnections.filter((c) => c.isReading).map((c) => c.label);
    const pendingWaits: PendingWait[] = [
      ...this.#connectionQueue.pending,
      ...this.#messageQueue.pending,
      ...this.connections.flatMap((c) => c.pendingWaits),
    ];
    const closedError = (): Error => new ConnectionClosedError(`The test server ${this.url} was closed.`);
    this.#connectionQueue.end(closedError);
    this.#messageQueue.end(closedError);
    for (const connection of this.connections) connection.endWaits(closedError);
    await this.#shutDownConnections(options.drop ? 'drop' : 1001, 'Going Away');
    await Promise.all(this.connections.map((c) => c.repliesSettled));
    await this.#stopListening();
    this.raw.wss.close();
    untrack(this);
    const errors = [...this.#errors, ...this.connections.flatMap((c) => c.errors.filter((e) => !(e instanceof DecodeError)))];
    return makeReport(this.url, openConnections, pendingWaits, errors);
  }

  /** @internal A connection received a message (or failed to decode one). */
  received(_connection: TestConnection, item: { ok: true; value: unknown } | { ok: false; error: Error }): void {
    if (item.ok) {
      this.messages.push(item.value);
      this.#messageQueue.push(item.value);
    } else {
      this.#messageQueue.pushError(item.error);
    }
  }

  async #shutDownConnections(code: number | 'drop', reason: string): Promise<void> {
    // Held handshakes are cut, not let through: the server is going away.
    for (const socket of [...this.#held.values()]) socket.destroy();
    const open = this.connections.filter((c) => c.closeInfo === undefined);
    await Promise.all(
      open.map(async (connection) => {
        if (code === 'drop' || connection.isStalled || !connection.isOpen) connection.drop();
        else void connection.close(code, reason);
        // A client that does not answer the close frame in time is cut off.
        const timer = realSetTimeout(() => connection.drop(), CLOSE_GRACE_MS);
        await connection.closed;
        realClearTimeout(timer);
      }),
    );
  }

  async #stopListening(): Promise<void> {
    const http = this.raw.http;
    if (!http.listening) return;
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    // Sockets that never upgraded (refused, held, plain HTTP) would keep the listener open.
    for (const socket of this.#sockets) socket.destroy();
    http.closeAllConnections();
    await stopped;
  }

  #trackSocket(socket: Duplex): void {
    if (this.#sockets.has(socket)) return;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // A client that resets the connection mid-handshake is not a server error.
    socket.on('error', () => undefined);
  }

  async #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.#trackSocket(socket);
    const record: HandshakeRecord = { url: request.url ?? '/', headers: request.headers, outcome: 'pending' };
    this.handshakes.push(record);
    // While an upgrade waits, read the socket (a client sends nothing before the 101), so a client
    // that gives up is seen: its upgrade is then recorded as aborted, not accepted on release.
    const waits = this.#handshakeDelay > 0;
    const gaveUp = (): void => void socket.destroy();
    if (waits) {
      socket.on('end', gaveUp);
      socket.resume();
    }
    try {
      if (this.#handshakeDelay === Infinity) {
        await new Promise<void>((resolve) => {
          const release = (): void => {
            this.#held.delete(release);
            resolve();
          };
          this.#held.set(release, socket);
          socket.once('close', release);
        });
      } else if (this.#handshakeDelay > 0) {
        await realDelay(this.#handshakeDelay);
      }
      // (Left flowing: `ws` attaches its data listener synchronously below, before any data
      // can be emitted, and a client sends nothing before the 101 anyway.)
      if (waits) socket.off('end', gaveUp);
      if (socket.destroyed || this.#closing) {
        record.outcome = 'aborted';
        socket.destroy();
        return;
      }
      const refusal = this.#refusals.shift() ?? (await this.#verify(request));
      if (refusal) {
        record.outcome = 'refused';
        record.status = refusal.status;
        refuse(socket, refusal);
        return;
      }
      this.raw.wss.handleUpgrade(request, socket, head, (ws) => {
        record.outcome = 'accepted';
        this.#accept(ws, request, socket as Socket);
      });
    } catch (error) {
      // `verify` threw: refuse with 500 and keep the error for the teardown report.
      this.#errors.push(error instanceof Error ? error : new Error(String(error)));
      record.outcome = 'refused';
      record.status = 500;
      refuse(socket, { status: 500 });
    }
  }

  async #verify(request: IncomingMessage): Promise<Refusal | undefined> {
    if (!this.#options.verify) return undefined;
    const result = await this.#options.verify(request);
    if (result === true) return undefined;
    if (result === false) return { status: 401 };
    if (typeof result === 'number') return { status: result };
    return result;
  }

  #accept(ws: WsSocket, request: IncomingMessage, socket: Socket): void {
    const connection = new TestConnection(this.#nextId++, ws, request, socket, this);
    this.connections.push(connection);
    if (this.#closing) {
      connection.drop();
      return;
    }
    for (const handler of this.#connectionHandlers) {
      Promise.resolve()
        .then(() => handler(connection))
        .catch((error: unknown) => {
          this.#errors.push(error instanceof Error ? error : new Error(String(error)));
        });
    }
    this.#connectionQueue.push(connection);
  }

  #receivedSoFar(): string {
    const transcripts = this.connections.map((c) => `${c.label}:\n${c.formatTranscript()}`).join('\n');
    return `Received so far on ${this.url} (${this.messages.length}):\n${formatMessageList(this.messages)}\nTranscripts:\n${transcripts || '  (no connection)'}`;
  }
}

function refuse(socket: Duplex, refusal: Refusal): void {
  const body = refusal.body ?? `${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`.trim();
  const headers: OutgoingHttpHeaders = {
    Connection: 'close',
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(body),
    ...refusal.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\r\n');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Unknown'}\r\n${head}\r\n\r\n${body}`);
}
