// Every way a connection ends: the client's close (close(), complete(), error(), unsubscribe(),
// the last subscriber leaving), a failure the client detects (connect timeout, heartbeat, a failed
// handshake), a connection that never got a socket, and the socket's own close event, which tells
// each subscriber how its stream ends.
import type { CloseEvent } from '../websocket/events.js';
import { CloseEvent as PlatformCloseEvent, ErrorEvent as PlatformErrorEvent } from '../websocket/platform.js';
import { WebSocketCloseError, messageOf } from './close-error.js';
import { CLOSED, CLOSING, Connection, RESOLVING, SOCKET_CONNECTING, SOCKET_OPEN, WAITING } from './connection.js';
import { ConnectingEngine } from './engine-connect.js';
import { callObserver } from './engine-state.js';

/** @internal The close paths (see the header); sending is in core.ts. */
export abstract class ClosingEngine<In, Out> extends ConnectingEngine<In, Out> {
  /** A complete()/error() waiting for the queue: close once the send gate let all of it out. */
  finishIfDrained(connection: Connection<In, Out>): void {
    const finish = connection.finish;
    if (finish !== undefined && connection.phase === SOCKET_OPEN && !(this.gated && this.queued > 0)) {
      connection.finish = undefined;
      this.startClosingHandshake(connection, finish.code, finish.reason);
    }
  }

  /** The send gate reopened (bufferedAmount fell to the low-water mark): flush, then a waiting close. */
  gateOpened(): void {
    this.flush();
    const connection = this.current;
    if (connection !== undefined && connection.ready && this.openSocket === connection.socket) this.finishIfDrained(connection);
  }

  /** An open step failed: its error goes to the subscribers, and the connection is closed. */
  openStepFailed(connection: Connection<In, Out>, error: unknown): void {
    if (connection.phase !== SOCKET_OPEN) return;
    connection.step = undefined;
    // The subscribers error once the socket has closed, with a WebSocketCloseError of kind
    // 'handshake' (the real close code, the step's error as cause), so reconnect() can tell.
    connection.failure = 'handshake';
    connection.failureCause = error;
    this.beginClientClose(connection);
    this.startClosingHandshake(connection, 1000, '');
  }

  errored(connection: Connection<In, Out>, event: Event): void {
    if (connection.phase === CLOSED) return;
    connection.lastError = event;
    this.tracer?.('error', event, connection);
    this.streams?.error?.next(event);
  }

  closed(connection: Connection<In, Out>, event: CloseEvent): void {
    if (connection.phase === CLOSED) return;
    connection.step?.unsubscribe();
    connection.step = undefined;
    connection.heartbeat?.stop();
    connection.heartbeat = undefined;
    clearTimeout(connection.lingering); // (closed while lingering: its timer must not hold a Node process)
    connection.detach();
    connection.phase = CLOSED;
    if (this.openSocket === connection.socket) {
      this.openSocket = null;
      this.gate?.detach();
    }
    connection.socket = undefined;
    this.session?.closed(connection, event); // may fail it (a SessionError)
    const isCurrent = connection === this.current;
    let next: Connection<In, Out> | undefined;
    if (isCurrent) {
      next = this.waiting;
      this.waiting = undefined;
      this.current = next;
      if (this.config.socket !== undefined) this.adoptedEnd = event;
      this.setState('closed');
    }
    const { closeObserver } = this.config;
    if (closeObserver !== undefined) callObserver(closeObserver, event);
    this.streams?.close?.next(event);
    this.tracer?.('close', event, connection);
    const failure = connection.failure;
    const byClient = failure === undefined && connection.clientClosing;
    this.lastClose = { event, byClient };
    // A close frame without a status code is reported as 1005 (a test double's event may carry no code at all).
    const code = typeof event.code === 'number' ? event.code : 1005;
    const wasClean = event.wasClean === true;
    // A clean close with 1000, or with no code (1005), is the server's normal end, as in rxjs.
    const completes = failure === undefined && (connection.clientClosing || (wasClean && (code === 1000 || code === 1005)));
    const hooks = isCurrent ? this.reconnectHooks : undefined;
    let error: WebSocketCloseError | undefined;
    if (hooks !== undefined || (!completes && connection.observed)) {
      const lastError = connection.lastError;
      const cause = failure === 'handshake' || failure === 'session' ? connection.failureCause : lastError === undefined ? undefined : ((lastError as ErrorEvent).error ?? lastError);
      const kind = failure ?? (lastError !== undefined ? 'error' : 'close');
      // A session's failure is its own SessionError (a WebSocketCloseError of kind 'session').
      error = failure === 'session' ? (cause as WebSocketCloseError) : new WebSocketCloseError({ code, reason: typeof event.reason === 'string' ? event.reason : '', wasClean, cause, kind });
    }
    // reconnect() decides (and reports 'reconnecting' or 'exhausted') before the subscribers hear of it.
    if (hooks !== undefined) hooks.ended(error!, byClient);
    const observers = connection.takeObservers();
    if (completes) {
      for (let i = 0; i < observers.length; i++) observers[i]!.complete();
    } else if (observers.length > 0) {
      for (let i = 0; i < observers.length; i++) observers[i]!.error(error!);
    }
    if (next !== undefined && this.current === next && next.phase === WAITING) {
      if (this.adoptedEnd !== undefined) {
        this.current = undefined;
        for (const s of next.takeObservers()) this.subscribe(s); // each gets the "cannot reconnect" error
      } else if (next.observed) {
        this.start(next);
      } else {
        this.current = undefined;
      }
    }
  }

  /** A connection that never got a socket (or whose socket could not be used) failed. */
  failBeforeSocket(connection: Connection<In, Out>, cause: unknown): void {
    if (connection.synchronous) {
      // Report asynchronously, as a socket would: never inside the subscribe() that started it.
      queueMicrotask(() => this.failBeforeSocket(connection, cause));
      return;
    }
    if (connection.phase === CLOSED) return;
    const message = messageOf(cause) ?? String(cause);
    this.errored(connection, new PlatformErrorEvent('error', { message, error: cause }));
    this.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
  }

  decodeFailed(connection: Connection<In, Out>, event: MessageEvent, error: unknown): void {
    if (this.config.onDecodeError === 'emit') {
      this.streams?.decodeError?.next({ event, error });
      return;
    }
    // 'error': as rxjs, every subscriber errors, and the connection (left without subscribers)
    // closes with 1000. It is closing before they hear of it, so a retry() joins the next one.
    const observers = connection.takeObservers();
    if (connection === this.current) this.closeNow(connection, 1000, '');
    for (let i = 0; i < observers.length; i++) observers[i]!.error(error);
  }

  // ---- sending ---------------------------------------------------------------------------

  /** close(), unsubscribe(), last unsubscribe: close now (abort a connection still connecting). */
  closeNow(connection: Connection<In, Out>, code: number, reason: string): void {
    const phase = connection.phase;
    if (phase >= CLOSING) return;
    if (phase === WAITING) {
      // Never started: nothing to close.
      connection.phase = CLOSED;
      if (this.current === connection) this.current = undefined;
      if (this.waiting === connection) this.waiting = undefined;
      return;
    }
    this.beginClientClose(connection);
    if (phase === RESOLVING) {
      // No socket yet: the attempt just ends.
      connection.synchronous = false;
      this.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
      return;
    }
    if (phase === SOCKET_CONNECTING) {
      connection.phase = CLOSING;
      connection.abandoned = true;
      if (this.current === connection) this.setState('closing');
      connection.socket!.close(); // fails the handshake; error and close events follow
      return;
    }
    this.startClosingHandshake(connection, code, reason);
  }

  /** complete(), error(): close once open, after the queue is flushed. */
  closeWhenFlushed(connection: Connection<In, Out>, code: number, reason: string): void {
    if (connection.phase >= CLOSING || connection.finish !== undefined) return;
    if (connection.phase === SOCKET_OPEN && connection.ready) {
      this.beginClientClose(connection);
      this.flush();
      connection.finish = { code, reason };
      this.finishIfDrained(connection); // under backpressure: once the gate has let the queue out
      return;
    }
    if (connection.clientClosing) return;
    this.beginClientClose(connection);
    connection.finish = { code, reason };
  }

  /**
   * `error({ code, reason })` with a code or reason WHATWG sockets refuse: when the connection is
   * open with nothing queued, they are handed to the socket as they are, as rxjs does, and it
   * decides (a WHATWG socket throws to the caller before anything changed; a test double may
   * accept them). False, doing nothing: no such connection (the caller throws the validation error).
   */
  closeOpenWith(code: unknown, reason: unknown): boolean {
    const connection = this.current;
    if (connection === undefined || this.waiting !== undefined || connection.phase !== SOCKET_OPEN || !connection.ready || this.queued > 0) return false;
    const socket = connection.socket!;
    socket.close(code as number, reason as string | undefined);
    this.reconnectHooks?.userClosed();
    this.beginClientClose(connection);
    if (connection.phase !== SOCKET_OPEN) return true; // the closingObserver or the socket closed it meanwhile
    connection.phase = CLOSING;
    if (this.openSocket === socket) {
      this.openSocket = null;
      this.gate?.detach();
    }
    this.setState('closing');
    return true;
  }

  /** close(code, reason) and unsubscribe() on the subject: waiting subscribers complete too. */
  closeAll(code: number, reason: string): void {
    this.reconnectHooks?.userClosed();
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      for (const s of waiting.takeObservers()) s.complete();
    }
    const current = this.current;
    if (current !== undefined) this.closeNow(current, code, reason);
  }

  beginClientClose(connection: Connection<In, Out>): void {
    if (connection.clientClosing) return;
    connection.clientClosing = true;
    const { closingObserver } = this.config;
    if (closingObserver !== undefined) callObserver(closingObserver, undefined);
  }

  startClosingHandshake(connection: Connection<In, Out>, code: number, reason: string): void {
    const socket = connection.socket!;
    connection.step?.unsubscribe();
    connection.step = undefined;
    connection.phase = CLOSING;
    if (this.openSocket === socket) {
      this.openSocket = null;
      this.gate?.detach();
    }
    if (this.current === connection) this.setState('closing');
    socket.close(code, reason);
  }

  // ---- state -----------------------------------------------------------------------------
}
