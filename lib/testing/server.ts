// The loopback test server: a real `ws` server on 127.0.0.1, a free port, no global patched, so
// any client can reach it (rxws, `ws`, undici, jsdom, a browser) and parallel test files never
// collide. It owns the HTTP upgrade itself, which is where refusals, delays and holds happen.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Buffer } from 'node:buffer';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { DecodeError, jsonCodec, rawCodec, type Codec } from './codec.js';
import { ConnectionClosedError, TestConnection, acceptConnection, noHistoryError } from './connection.js';
import { expectQuiet } from './expect-quiet.js';
import { formatMessageList } from './format.js';
import { MessageQueue, WaitTimeoutError, type PendingWait, type WaitOptions } from './message-queue.js';
import { RuleSet, type ReplyRule } from './script.js';
import type { CloseOptions, HandshakeRecord, Refusal, RestartOptions, TestServerOptions } from './server-options.js';
import { makeReport, track, untrack, type TeardownReport } from './teardown.js';
import { realClearTimeout, realDelay, realSetTimeout } from './timers.js';
import { UpgradeGate } from './upgrade.js';

export type { CloseOptions, HandshakeRecord, Refusal, RestartOptions, TestServerOptions, VerifyResult } from './server-options.js';

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
  const server = makeTestServer(options);
  await server.listen();
  return server;
}

// Set by TestServer's static block: its constructor is private (so the declarations ship no
// callable constructor), and createTestServer makes servers through this.
let makeTestServer: (options: TestServerOptions) => TestServer;

/** A running test server (see {@link createTestServer}). */
export class TestServer {
  static {
    makeTestServer = (options) => new TestServer(options);
  }


  /** @internal */ readonly codec: Codec;
  /** @internal */ readonly rules = new RuleSet<TestConnection>();
  /** Every connection accepted so far, in order, open or closed, across restarts. */
  readonly connections: TestConnection[] = [];
  /** Every message received on any connection, decoded, in arrival order. */
  readonly messages: unknown[] = [];
  /** Every upgrade request seen, in order (accepted, refused, held…). */
  readonly handshakes: HandshakeRecord[] = [];
  /** The underlying HTTP(S) server and `ws` server, for anything the kit does not cover. */
  readonly raw: {
    /** The HTTP (or HTTPS) server listening on the port; the kit handles its `upgrade` events. */
    readonly http: HttpServer;
    /** The `ws` server (`noServer` mode) that takes the accepted upgrades over. */
    readonly wss: WebSocketServer;
  };

  readonly #options: TestServerOptions;
  readonly #messageQueue = new MessageQueue<unknown>();
  readonly #connectionQueue = new MessageQueue<TestConnection>();
  readonly #connectionHandlers = new Set<(connection: TestConnection) => unknown>();
  readonly #errors: Error[] = [];
  readonly #secure: boolean;
  #port = 0;
  #nextId = 1;
  readonly #upgrades: UpgradeGate;
  #replyDelay: number;
  #closing: Promise<TeardownReport> | undefined;

  /** Use {@link createTestServer}. */
  private constructor(options: TestServerOptions) {
    this.#options = options;
    this.codec = options.codec ?? (options.json ? jsonCodec : rawCodec);
    this.#upgrades = new UpgradeGate(
      {
        isClosing: () => this.closed,
        verify: options.verify,
        handshakes: this.handshakes,
        reportError: (error) => this.#errors.push(error),
        accept: (request, socket, head, record) => {
          this.raw.wss.handleUpgrade(request, socket, head, (ws) => {
            record.outcome = 'accepted';
            this.#accept(ws, request, socket as Socket);
            // As a noServer WebSocketServer's owner does: code written for a `ws` server (e.g.
            // acceptSessions(server.raw.wss)) serves the test server's connections too.
            this.raw.wss.emit('connection', ws, request);
          });
        },
      },
      options.handshakeDelay ?? 0,
    );
    this.#replyDelay = options.replyDelay ?? 0;
    this.#secure = options.tls !== undefined;
    const http = options.tls ? createHttpsServer(options.tls) : createHttpServer();
    // A plain HTTP request is not what a WebSocket test server is for.
    http.on('request', (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
      res.end('This is a WebSocket test server.');
    });
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#upgrades.handle(request, socket, head);
    });
    http.on('connection', (socket: Socket) => this.#upgrades.track(socket));
    http.on('secureConnection', (socket: Socket) => this.#upgrades.track(socket));
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

  /** Whether messages, transcripts and closed connections are kept (the `history` option). */
  get history(): boolean {
    return this.#options.history !== false;
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
    return this.#upgrades.heldCount;
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
    if (!this.history) return Promise.reject(noHistoryError(`nextConnection() on ${this.url}`));
    return this.#connectionQueue.next({
      ...options,
      label: `nextConnection() on ${this.url}`,
      defaultTimeout: this.defaultTimeout,
      timeoutError: (ms) => {
        const refused = this.handshakes.filter((h) => h.outcome === 'refused').length;
        return new WaitTimeoutError(
          `Timed out after ${ms} ms waiting for a connection to ${this.url}. Accepted so far: ${this.connections.length}; upgrade requests: ${this.handshakes.length} (${refused} refused, ${this.#upgrades.heldCount} held).`,
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
    if (!this.history) return Promise.reject(noHistoryError(`nextMessage() on ${this.url}`));
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
    for (let i = 0; i < n; i++) this.#upgrades.refuseNext({ status, ...init });
  }

  /**
   * Delays every upgrade response from now on by `ms` real milliseconds; `Infinity` holds them
   * until {@link TestServer.releaseHandshakes} (for connect-timeout tests), `0` stops delaying.
   */
  delayHandshake(ms: number): void {
    this.#upgrades.delay = ms;
  }

  /** Lets the handshakes held by `delayHandshake(Infinity)` proceed (and stops holding new ones). */
  releaseHandshakes(): void {
    this.#upgrades.release();
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
    if (!this.history) return;
    if (item.ok) {
      this.messages.push(item.value);
      this.#messageQueue.push(item.value);
    } else {
      this.#messageQueue.pushError(item.error);
    }
  }

  async #shutDownConnections(code: number | 'drop', reason: string): Promise<void> {
    // Held handshakes are cut, not let through: the server is going away.
    this.#upgrades.cutHeld();
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
    this.#upgrades.destroySockets();
    http.closeAllConnections();
    await stopped;
  }

  #accept(ws: WsSocket, request: IncomingMessage, socket: Socket): void {
    const connection = acceptConnection(this.#nextId++, ws, request, socket, this);
    this.connections.push(connection);
    if (!this.history) {
      // Only the open ones are kept.
      void connection.closed.then(() => this.connections.splice(this.connections.indexOf(connection), 1));
    }
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
    if (this.history) this.#connectionQueue.push(connection);
  }

  #receivedSoFar(): string {
    const transcripts = this.connections.map((c) => `${c.label}:\n${c.formatTranscript()}`).join('\n');
    return `Received so far on ${this.url} (${this.messages.length}):\n${formatMessageList(this.messages)}\nTranscripts:\n${transcripts || '  (no connection)'}`;
  }
}
