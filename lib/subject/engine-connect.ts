// Connecting: a subscriber joins (or starts) a connection; the URL is read, the socket made (or
// adopted) and watched; on open, the open steps run (the handshake, then multiplexed topics) and
// the connection becomes ready.
import type { Subscriber, TeardownLogic, Unsubscribable } from 'rxjs';
import type { CloseEvent } from '../websocket/events.js';
import { holdsEvents, setBinaryType } from '../websocket/platform.js';
import { missingFromSocket, type WebSocketLike } from '../websocket/socket-like.js';
import { makeSocket, type NormalizedConfig } from './config.js';
import { CLOSING, CONNECTING, Connection, OPEN, RESOLVING, SOCKET_CONNECTING, SOCKET_OPEN, WAITING } from './connection.js';
import { holdsItsConnection } from '../internals/rxjs.js';
import { callObserver, EngineState } from './engine-state.js';
import { reportUnhandledError } from '../common/report-unhandled.js';

/**
 * Makes `connection` the teardown of `subscriber`: rxws's direct subscriber keeps it in a field
 * (no teardown array); any other subscriber gets it as the teardown it returns (rxjs adds it).
 */
function teardownBy(subscriber: Subscriber<unknown>, connection: Unsubscribable): TeardownLogic {
  if (subscriber.closed || !holdsItsConnection(subscriber)) return connection; // (closed: rxjs runs it at once)
  subscriber.connection = connection;
  return undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** @internal Connecting and opening (see the header); the close paths are in engine-close.ts. */
export abstract class ConnectingEngine<In, Out> extends EngineState<In, Out> {
  subscribe(subscriber: Subscriber<Out>): TeardownLogic {
    if (this.adoptedEnd !== undefined) {
      subscriber.error(
        new TypeError(
          `This WebSocketSubject serves one connection given as 'socket', which has closed (code ${this.adoptedEnd.code}); it cannot reconnect. Make a new subject for a new connection.`,
        ),
      );
      return undefined;
    }
    const current = this.current;
    let connection: Connection<In, Out>;
    if (current !== undefined && current.joinable) connection = current;
    else if (current !== undefined && !this.retires(current)) connection = this.waiting ??= new Connection(this);
    else {
      // No connection, or one the client is closing: this subscriber's connection starts now.
      connection = this.waiting ?? new Connection(this);
      this.waiting = undefined;
      this.current = connection;
    }
    connection.add(subscriber);
    if (connection === this.current && connection.phase === WAITING) this.start(connection);
    return teardownBy(subscriber, connection);
  }

  /**
   * Whether a new subscriber leaves `connection` to finish closing on its own and starts the next
   * one at once (as rxjs does): yes when the client is closing it (`complete()`, `error()`,
   * `close()`, `unsubscribe()`, the last subscriber leaving), whose subscribers complete whatever
   * happens next. A connection ending any other way (the server closing, a failure the client
   * detected) is waited for, so its end is reported, and reconnect() decides, before the next
   * one starts; a server-side subject has no next connection.
   */
  retires(connection: Connection<In, Out>): boolean {
    return connection.phase === CLOSING && connection.clientClosing && connection.failure === undefined && this.config.socket === undefined;
  }

  /** Every subscriber of `connection` has left. */
  lastLeft(connection: Connection<In, Out>): void {
    if (connection === this.waiting) {
      this.waiting = undefined;
      return;
    }
    // The last subscriber left: close with 1000 (at once, even while still connecting), or after
    // `linger` ms unless a subscriber came back meanwhile (it joined this connection).
    if (connection !== this.current) return;
    const linger = this.config.linger;
    if (!linger) return this.closeNow(connection, 1000, '');
    clearTimeout(connection.lingering);
    // (Infinity, or more than a timer can wait: open until close())
    if (linger < 2 ** 31) connection.lingering = setTimeout(() => connection.observed || this.closeNow(connection, 1000, ''), linger);
  }

  // ---- connecting ------------------------------------------------------------------------

  start(connection: Connection<In, Out>): void {
    connection.phase = RESOLVING;
    connection.synchronous = true;
    this.setState('connecting');
    this.reconnectHooks?.connecting();
    try {
      const source = this.config.url;
      let url: unknown;
      try {
        url = typeof source === 'function' ? source() : source;
      } catch (error) {
        this.failBeforeSocket(connection, error);
        return;
      }
      if (isThenable(url)) {
        url.then(
          (resolved) => this.create(connection, resolved),
          (error: unknown) => this.failBeforeSocket(connection, error),
        );
      } else {
        this.create(connection, url);
      }
    } finally {
      connection.synchronous = false;
    }
  }

  /** The option that made this subject's sockets, for error messages. */
  socketSource(): string {
    const config = this.config;
    if (config.socket !== undefined) return "'socket'";
    if (config.factory !== undefined) return "'createWebSocket'";
    return config.Ctor !== undefined ? "'WebSocketCtor'" : "globalThis.WebSocket"; // (rxws's own WebSocket, the other default, always fits)
  }

  create(connection: Connection<In, Out>, url: unknown): void {
    if (connection.phase !== RESOLVING) return; // closed meanwhile
    if (typeof url !== 'string' && !(url instanceof URL)) {
      this.failBeforeSocket(connection, new TypeError(`webSocket(): 'url' returned ${url === null ? 'null' : typeof url}, not a string or URL.`));
      return;
    }
    this.tracer?.('connect', url, connection);
    let made: unknown;
    try {
      made = makeSocket(this.config as NormalizedConfig<unknown, unknown>, String(url));
    } catch (error) {
      this.failBeforeSocket(connection, error);
      return;
    }
    if (isThenable(made)) {
      made.then(
        (socket) => this.adopt(connection, socket, true),
        (error: unknown) => this.failBeforeSocket(connection, error),
      );
    } else {
      this.adopt(connection, made, true);
    }
  }

  adopt(connection: Connection<In, Out>, candidate: unknown, made: boolean): void {
    const missing = missingFromSocket(candidate);
    if (missing !== undefined) {
      this.failBeforeSocket(connection, new TypeError(`webSocket(): ${this.socketSource()} did not make a socket rxws can use: ${missing}.`));
      const close = made && candidate !== null && typeof candidate === 'object' ? (candidate as { close?: unknown }).close : undefined;
      if (typeof close === 'function') {
        try {
          close.call(candidate); // don't leave it connecting
        } catch {
          // nothing more to do for a socket nobody will use
        }
      }
      return;
    }
    const socket = candidate as WebSocketLike;
    if (made && connection.phase !== RESOLVING) {
      // The connection was closed while the factory ran: don't leave its socket behind.
      try {
        socket.close();
      } catch {
        // nothing more to do for a socket nobody will use
      }
      return;
    }
    const { binaryType } = this.config;
    if (binaryType !== undefined) setBinaryType(socket, binaryType);
    connection.attach(socket);
    const readyState = socket.readyState;
    if (readyState === CONNECTING) {
      connection.phase = SOCKET_CONNECTING;
      this.setState('connecting');
    } else if (readyState === OPEN) {
      if (made) {
        // A factory handed over a socket that is already open: it has fired its open event.
        connection.phase = SOCKET_CONNECTING;
        this.opened(connection, new Event('open'));
      } else {
        // An adopted server-side socket: open from the start (no open event to report).
        connection.phase = SOCKET_OPEN;
        this.setState('open');
        this.startHeartbeat(connection);
        this.runOpenSequence(connection);
      }
    } else {
      connection.detach();
      connection.socket = undefined;
      connection.phase = RESOLVING;
      this.failBeforeSocket(connection, new TypeError('webSocket(): the socket is already closing or closed.'));
    }
  }

  // ---- socket events ---------------------------------------------------------------------

  opened(connection: Connection<In, Out>, event: Event): void {
    if (connection.phase !== SOCKET_CONNECTING) {
      // A socket the client gave up on while it was connecting has opened anyway (a real one
      // cannot, a test double may): close it, as rxjs does.
      if (connection.phase === CLOSING && connection.abandoned) connection.socket?.close(1000, '');
      return;
    }
    connection.phase = SOCKET_OPEN;
    const socket = connection.socket!;
    if (!holdsEvents(socket, connection, false)) connection.stopListening(socket, 'open'); // fires once; an idle connection keeps three listeners (or rxws's one event sink)
    this.setState('open');
    this.tracer?.('open', event, connection);
    this.startHeartbeat(connection);
    const { openObserver } = this.config;
    if (openObserver !== undefined) callObserver(openObserver, event);
    this.streams?.open?.next(event);
    if (connection.phase !== SOCKET_OPEN) return; // an observer closed it
    this.runOpenSequence(connection);
  }

  /** After open: the session's negotiation, if the config has one (it calls {@link continueOpen} when done), else that now. */
  runOpenSequence(connection: Connection<In, Out>): void {
    const session = this.session;
    if (session !== undefined) session.open(connection);
    else this.continueOpen(connection);
  }

  /** Then the handshake, if the config has one (it calls {@link becomeReady} when done), else ready now. */
  continueOpen(connection: Connection<In, Out>): void {
    const handshake = this.config.handshake;
    if (handshake !== undefined) handshake.run(this, connection);
    else this.becomeReady(connection);
  }

  /**
   * The open sequence is through: multiplexed topics re-subscribe (and requests waiting for a
   * connection go out), then the queue is flushed in order and `next()` writes directly.
   */
  becomeReady(connection: Connection<In, Out>): void {
    if (connection.phase !== SOCKET_OPEN) return;
    const socket = connection.socket!;
    this.topics?.opened({
      socket,
      send: (data) => {
        return connection.phase === SOCKET_OPEN && socket.readyState === OPEN && this.sendDirect(socket, data);
      },
    });
    if (connection.phase !== SOCKET_OPEN) return;
    connection.ready = true;
    this.openSocket = socket;
    this.gate?.attach(socket);
    this.flush();
    this.finishIfDrained(connection);
    this.gate?.notify();
    if (connection === this.current && connection.phase === SOCKET_OPEN) this.reconnectHooks?.ready();
  }

  /** Starts the connection's heartbeat (the `heartbeat` option), if configured. */
  startHeartbeat(connection: Connection<In, Out>): void {
    const config = this.config.heartbeat;
    const socket = connection.socket;
    if (config === undefined || socket === undefined) return;
    connection.heartbeat = config.start(
      socket,
      (ping) => {
        // Application-level pings go straight to the socket once the connection is ready: never
        // queued, never replayed, never before the handshake (and `ping()` is not called then).
        if (connection.ready && this.openSocket === socket && socket.readyState === OPEN) this.sendDirect(socket, this.config.serializer(ping() as In));
      },
      this as ConnectingEngine<unknown, unknown>,
      connection as Connection<unknown, unknown>,
    );
  }

  /** Whether `value` is the heartbeat's application-level pong. */
  isPong(value: Out): boolean {
    const isPong = this.config.heartbeat?.isPong;
    if (isPong === undefined) return false;
    try {
      return isPong(value);
    } catch (error) {
      reportUnhandledError(error);
      return false;
    }
  }

  abstract closeNow(connection: Connection<In, Out>, code: number, reason: string): void;
  abstract failBeforeSocket(connection: Connection<In, Out>, cause: unknown): void;
  abstract closed(connection: Connection<In, Out>, event: CloseEvent): void;
  abstract errored(connection: Connection<In, Out>, event: Event): void;
  abstract decodeFailed(connection: Connection<In, Out>, event: MessageEvent, error: unknown): void;
  abstract openStepFailed(connection: Connection<In, Out>, error: unknown): void;
  abstract finishIfDrained(connection: Connection<In, Out>): void;
  abstract flush(): void;
}
