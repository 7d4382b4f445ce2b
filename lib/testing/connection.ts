// One accepted WebSocket connection, seen from the server: what it received, how to answer, and
// how to misbehave on it. It wraps a real `ws` socket and keeps the raw TCP socket for faults.
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket as WsSocket, RawData } from 'ws';
import { safeDecode, type Codec, type FrameData } from './codec.js';
import { expectQuiet } from './expect-quiet.js';
import { formatMessage, formatMessageList } from './format.js';
import { MessageQueue, WaitTimeoutError, type PendingWait, type WaitOptions } from './message-queue.js';
import { RuleSet, type ReplyRule } from './script.js';
import { realClearTimeout, realSetTimeout } from './timers.js';
import { Transcript, type TranscriptEntry } from './transcript.js';
import { describeRequest, type UpgradeRequest } from './upgrade-request.js';

export type { UpgradeRequest } from './upgrade-request.js';

/** How a connection ended. */
export interface CloseInfo {
  /** The close code the server got (or sent first); 1005 for a close frame without code, 1006 for none. */
  readonly code: number;
  /** The close reason (`''` for none). */
  readonly reason: string;
  /** Whether a close frame was exchanged (`false` after a drop or a network fault). */
  readonly wasClean: boolean;
}

/** A wait failed because its connection (or its server) closed first. */
export class ConnectionClosedError extends Error {
  /** Always `'ConnectionClosedError'`. */
  override name = 'ConnectionClosedError';
  /** The connection's close code and reason, when a connection closed. */
  readonly code: number | undefined;
  /** The connection's close reason, when a connection closed. */
  readonly reason: string | undefined;

  constructor(message: string, close?: CloseInfo) {
    super(message);
    this.code = close?.code;
    this.reason = close?.reason;
  }
}

/** @internal What a connection needs from its server. */
export interface ConnectionHost {
  readonly codec: Codec;
  readonly defaultTimeout: number;
  readonly replyDelay: number;
  readonly rules: RuleSet<TestConnection>;
  /** Whether messages and transcripts are kept (`history` option). */
  readonly history: boolean;
  received(connection: TestConnection, item: { ok: true; value: unknown } | { ok: false; error: Error }): void;
}

/** Options of {@link TestConnection.drop}. */
export interface DropOptions {
  /** Send a TCP RST (the client gets ECONNRESET) instead of a FIN. Default `false`. */
  reset?: boolean;
}

/** @internal Made by the server on each accepted upgrade (set by TestConnection's static block). */
export let acceptConnection: (id: number, raw: WsSocket, request: IncomingMessage, socket: Socket, host: ConnectionHost) => TestConnection;

/**
 * A client's connection to a {@link TestServer}, from `await server.nextConnection()` or
 * `server.connections`.
 */
export class TestConnection {
  static {
    acceptConnection = (id, raw, request, socket, host) => new TestConnection(id, raw, request, socket, host);
  }

  /** 1 for the server's first connection, 2 for the next… (counting across restarts). */
  readonly id: number;
  /** The upgrade request: path, query, headers, offered subprotocols. */
  readonly request: UpgradeRequest;
  /** The subprotocol the server selected (`''` for none). */
  readonly protocol: string;
  /** The extensions negotiated, e.g. `permessage-deflate` (`''` for none). */
  readonly extensions: string;
  /** The underlying `ws` socket, for anything the kit does not cover. */
  readonly raw: WsSocket;
  /** The raw TCP socket under it. */
  readonly socket: Socket;
  /** Every message received, decoded, in order (read or not). */
  readonly messages: unknown[] = [];
  /** Messages that failed to decode and errors thrown by reply rules, in order. */
  readonly errors: Error[] = [];

  readonly #host: ConnectionHost;
  readonly #queue = new MessageQueue<unknown>();
  readonly #transcript: Transcript;
  readonly #rules = new RuleSet<TestConnection>();
  readonly #closed: Promise<CloseInfo>;
  #closeInfo: CloseInfo | undefined;
  #stalled = false;
  #replies: Promise<void> = Promise.resolve();

  /** Made by the server on each accepted upgrade. */
  private constructor(id: number, raw: WsSocket, request: IncomingMessage, socket: Socket, host: ConnectionHost) {
    this.id = id;
    this.raw = raw;
    this.socket = socket;
    this.#host = host;
    this.#transcript = new Transcript(host.history);
    this.protocol = raw.protocol;
    this.extensions = raw.extensions;
    this.request = describeRequest(request);
    raw.binaryType = 'nodebuffer';
    this.#transcript.add('event', 'open', `${this.request.url}${this.protocol ? ` protocol=${this.protocol}` : ''}`);

    let resolveClosed!: (info: CloseInfo) => void;
    this.#closed = new Promise((resolve) => (resolveClosed = resolve));
    raw.on('message', (data, isBinary) => this.#onFrame(toFrame(data, isBinary)));
    raw.on('ping', (data: Buffer) => this.#transcript.add('in', 'ping', data.length ? new Uint8Array(data) : undefined));
    raw.on('pong', (data: Buffer) => this.#transcript.add('in', 'pong', data.length ? new Uint8Array(data) : undefined));
    // A protocol error by the client (ws answers it with a close frame): worth a transcript line;
    // the close code says the rest. Without a listener `ws` would throw it.
    raw.on('error', (error: Error) => this.#transcript.add('event', 'error', error.message));
    raw.on('close', (code: number, reason: Buffer) => {
      this.#closeInfo = { code, reason: reason.toString('utf8'), wasClean: code !== 1006 };
      this.#transcript.add('event', 'close', `${code}${this.#closeInfo.reason ? ` ${JSON.stringify(this.#closeInfo.reason)}` : ''}${this.#closeInfo.wasClean ? '' : ' (no close frame)'}`);
      const info = this.#closeInfo;
      this.#queue.end(
        () =>
          new ConnectionClosedError(
            `${this.label} closed (code ${info.code}${info.reason ? `, reason ${JSON.stringify(info.reason)}` : ''}) before a message arrived.\n${this.#receivedSoFar()}`,
            info,
          ),
      );
      resolveClosed(info);
    });
  }

  /** `connection #N (/path)`, as used in error messages. */
  get label(): string {
    return `connection #${this.id} (${this.request.url})`;
  }

  /** The `ws` ready state: 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.raw.readyState;
  }

  /** Whether the connection is open (not closing or closed). */
  get isOpen(): boolean {
    return this.raw.readyState === 1;
  }

  /** How the connection ended, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  /** Resolves with {@link CloseInfo} when the connection has closed; never rejects. */
  get closed(): Promise<CloseInfo> {
    return this.#closed;
  }

  /** Whether the connection is stalled (see {@link TestConnection.stall}). */
  get isStalled(): boolean {
    return this.#stalled;
  }

  /** Whether the server is reading from the socket (false after `stopReading()` or `stall()`). */
  get isReading(): boolean {
    return !this.raw.isPaused;
  }

  /** Everything that happened on the connection, timestamped (a copy). */
  get transcript(): TranscriptEntry[] {
    return this.#transcript.entries;
  }

  /** The transcript as text, for failure output. */
  formatTranscript(): string {
    return this.#transcript.format();
  }

  /** @internal Reads still waiting on this connection. */
  get pendingWaits(): PendingWait[] {
    return this.#queue.pending;
  }

  /**
   * The next unread message of this connection, in order, or the next to arrive. Rejects with a
   * {@link WaitTimeoutError} after `timeout` ms (listing what did arrive), with a
   * {@link ConnectionClosedError} if the connection closes first, with a `DecodeError` if the
   * frame could not be decoded, or with the signal's reason on abort. A wait that fails is
   * withdrawn: the message that comes after it is kept for the next read.
   */
  nextMessage<T = unknown>(options: WaitOptions = {}): Promise<T> {
    return this.#next(options, 'the next message') as Promise<T>;
  }

  /** @internal The next message, with the expectation named in the timeout error (for matchers). */
  nextMessageExpecting(expected: string, options: WaitOptions): Promise<unknown> {
    return this.#next(options, 'a message', `Expected: ${expected}\n`);
  }

  // One wait on this connection's queue; a timeout says what was awaited and what arrived.
  #next(options: WaitOptions, awaited: string, expected = ''): Promise<unknown> {
    if (!this.#host.history) return Promise.reject(noHistoryError(`nextMessage() on ${this.label}`));
    return this.#queue.next({
      ...options,
      label: `nextMessage() on ${this.label}`,
      defaultTimeout: this.#host.defaultTimeout,
      timeoutError: (ms) =>
        new WaitTimeoutError(`Timed out after ${ms} ms waiting for ${awaited} on ${this.label}.\n${expected}${this.#receivedSoFar()}`),
    });
  }

  /**
   * Resolves if no message is unread now and none arrives within `ms` real milliseconds (default
   * 100); otherwise rejects at once, naming the message. The message is not consumed.
   */
  expectNoMessage(ms: number = 100): Promise<void> {
    return expectQuiet(this.#queue, ms, this.label, () => this.#receivedSoFar());
  }

  /**
   * Adds a reply rule for this connection only; it is tried before the server's rules (see
   * `TestServer.on`).
   */
  on(match: unknown): ReplyRule<TestConnection> {
    return this.#rules.add(match);
  }

  /**
   * Sends `message`, encoded by the server's codec (with `json`, any JSON value; otherwise a
   * string for a text frame, bytes for a binary frame). Throws if the connection is not open.
   * Does nothing while the connection is stalled (a stalled peer says nothing).
   */
  send(message: unknown): void {
    if (!this.isOpen) {
      throw new ConnectionClosedError(
        `Cannot send ${formatMessage(message)}: ${this.label} is ${this.#closeInfo ? `closed (${this.#closeInfo.code})` : 'closing'}.`,
        this.#closeInfo,
      );
    }
    const frame = this.#host.codec.encode(message);
    if (this.#stalled) {
      this.#transcript.add('out', 'suppressed (stalled)', frame);
      return;
    }
    this.#transcript.add('out', typeof frame === 'string' ? 'text' : 'binary', frame);
    this.raw.send(frame, { binary: typeof frame !== 'string' });
  }

  /**
   * Writes `bytes` to the TCP socket as they are, outside the WebSocket framing: build invalid
   * frames with `frames` / `buildFrame` to make the client fail the connection (1002, 1007, 1009).
   */
  sendRaw(bytes: Uint8Array | string): void {
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    this.#transcript.add('out', 'raw', data);
    this.socket.write(data);
  }

  /** Sends a ping (the client's pong shows in the transcript). */
  ping(data?: string | Uint8Array): void {
    this.#transcript.add('out', 'ping', data);
    this.raw.ping(data);
  }

  /**
   * Starts the closing handshake with `code` (1000-1014 but 1004-1006, or 3000-4999) and
   * `reason`; resolves with how it ended. Reading resumes first if it was stopped, so the client's
   * close frame can be read.
   */
  close(code?: number, reason?: string): Promise<CloseInfo> {
    if (this.raw.readyState === 0 || this.raw.readyState === 1) {
      this.#transcript.add('out', 'close', code === undefined ? undefined : `${code}${reason ? ` ${JSON.stringify(reason)}` : ''}`);
      this.#stalled = false;
      this.raw.resume();
      this.raw.close(code, reason);
    }
    return this.#closed;
  }

  /**
   * Waits until the connection has closed, up to `timeout` ms; resolves with how it ended.
   */
  waitForClose(options: WaitOptions = {}): Promise<CloseInfo> {
    const ms = options.timeout ?? this.#host.defaultTimeout;
    return new Promise<CloseInfo>((resolve, reject) => {
      const timer = realSetTimeout(() => reject(new WaitTimeoutError(`Timed out after ${ms} ms waiting for ${this.label} to close.\nTranscript:\n${this.formatTranscript()}`)), ms);
      const onAbort = (): void => {
        realClearTimeout(timer);
        reject(options.signal?.reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      void this.#closed.then((info) => {
        realClearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(info);
      });
    });
  }

  /**
   * Destroys the TCP socket without a close frame, like a crashed server or a cut cable: the
   * client sees an abnormal closure (1006).
   */
  drop(options: DropOptions = {}): void {
    if (this.socket.destroyed) return;
    this.#transcript.add('event', options.reset ? 'drop (RST)' : 'drop');
    if (options.reset) this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  /**
   * Makes the connection half-open: the server stops reading (so pings go unanswered and the
   * client's data backs up) and stops sending (`send`, broadcasts and replies are suppressed),
   * while the TCP connection stays up. Heartbeat and timeout logic of a client is tested this way.
   * `resumeReading()` ends it.
   */
  stall(): void {
    this.#transcript.add('event', 'stall');
    this.#stalled = true;
    this.raw.pause();
  }

  /**
   * Stops reading from the TCP socket: the kernel buffers fill up and the client's writes back up
   * (its `bufferedAmount` grows). Messages sent meanwhile arrive after `resumeReading()`.
   */
  stopReading(): void {
    this.#transcript.add('event', 'stop reading');
    this.raw.pause();
  }

  /** Reads again after `stopReading()` or `stall()` (and ends a stall). */
  resumeReading(): void {
    this.#transcript.add('event', 'resume reading');
    this.#stalled = false;
    this.raw.resume();
  }

  /** @internal Ends waits for server teardown. */
  endWaits(error: () => Error): void {
    this.#queue.end(error);
  }

  /** @internal Replies queued by rules, settled (for teardown). */
  get repliesSettled(): Promise<void> {
    return this.#replies;
  }

  #receivedSoFar(): string {
    return `Received so far on ${this.label} (${this.messages.length}):\n${formatMessageList(this.messages)}\nTranscript:\n${this.#transcript.format()}`;
  }

  #onFrame(frame: FrameData): void {
    this.#transcript.add('in', typeof frame === 'string' ? 'text' : 'binary', frame);
    const decoded = safeDecode(this.#host.codec, frame);
    if (!decoded.ok) {
      if (this.#host.history) {
        this.errors.push(decoded.error);
        this.#queue.pushError(decoded.error);
      }
      this.#transcript.add('event', 'decode-error', decoded.error.message);
      this.#host.received(this, decoded);
      return;
    }
    const message = decoded.value;
    if (this.#host.history) {
      this.messages.push(message);
      this.#queue.push(message);
    }
    this.#host.received(this, decoded);
    const rule = this.#rules.claim(message) ?? this.#host.rules.claim(message);
    if (rule) {
      // Replies run one after another per connection, so delayed replies keep their order.
      this.#replies = this.#replies.then(() =>
        rule.run(message, this, this.#host.replyDelay).catch((error: unknown) => {
          // The client went away while we were answering: nothing to answer any more.
          if (error instanceof ConnectionClosedError) return;
          const err = error instanceof Error ? error : new Error(String(error));
          this.errors.push(err);
          this.#transcript.add('event', 'reply-error', err.message);
        }),
      );
    }
  }
}

/** @internal The error of a wait on a server that keeps no history. */
export function noHistoryError(wait: string): Error {
  return new Error(`${wait}: this test server was created with history: false, so it keeps nothing to wait for. Use a reply rule or onConnection() instead.`);
}

function toFrame(data: RawData, isBinary: boolean): FrameData {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  // A copy as a plain Uint8Array: exact bytes, and not a view of a pooled buffer that may change.
  return isBinary ? new Uint8Array(buffer) : buffer.toString('utf8');
}

