// acceptSessions(): the server side of rxws.session.v1 on a `ws` WebSocketServer.
import type { IncomingMessage } from 'node:http';
import type { WebSocket as WsSocket, WebSocketServer } from 'ws';
import { Observable, type Subscriber } from 'rxjs';
import { newSessionId, SESSION_PROTOCOL, type SessionFrame } from '../session/protocol.js';
import { fail, describe } from '../common/options.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import { Session } from './session.js';
import { SessionConnection } from './session-connection.js';
import { checkSessionOptions, type AcceptSessionsOptions, type SessionIdentity, type SessionSettings } from './session-options.js';
import type { ClaimedSession } from './session-store.js';

const PROTOCOL_ERROR = 1002;
const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;
const GOING_AWAY = 1001;

/** The part of a `ws` `WebSocketServer` acceptSessions() uses: its `connection` event. */
export type SessionServer = Pick<WebSocketServer, 'on' | 'off'>;

/** An identity as the store records it: a string, or null. */
function identityOf(value: SessionIdentity): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new TypeError(`acceptSessions(): 'identify' must answer a string, a number, null or undefined, not ${describe(value)}.`);
}

/** The first frame of a connection, once it arrives (undefined: not a frame, or the connection closed first). */
function firstFrame(connection: SessionConnection): Promise<SessionFrame | undefined> {
  return new Promise((resolve) => {
    connection.setHandler({
      frame: (frame) => {
        connection.setHandler(undefined);
        resolve(frame ?? undefined);
      },
      closed: () => resolve(undefined),
    });
  });
}

/** Serves the sessions of one `acceptSessions()` subscription. */
class SessionAcceptor<In, Out> {
  readonly #settings: SessionSettings<In, Out>;
  readonly #subscriber: Subscriber<Session<In, Out>>;
  /** The sessions this subscription emitted that have not ended, by id. */
  readonly #sessions = new Map<string, Session<In, Out>>();

  constructor(settings: SessionSettings<In, Out>, subscriber: Subscriber<Session<In, Out>>) {
    this.#settings = settings;
    this.#subscriber = subscriber;
  }

  readonly onConnection = (ws: WsSocket, request: IncomingMessage): void => {
    if (ws.protocol !== SESSION_PROTOCOL) return; // not a session connection: the application's
    const connection = new SessionConnection(ws, request.socket);
    this.#serve(connection, request).catch((error: unknown) => {
      connection.close(INTERNAL_ERROR, 'session store failure');
      reportUnhandledError(error);
    });
  };

  async #serve(connection: SessionConnection, request: IncomingMessage): Promise<void> {
    const [hello, identity] = await Promise.all([firstFrame(connection), this.#identify(request)]);
    if (connection.isClosed) return;
    if (hello?.type !== 'hello') return connection.close(PROTOCOL_ERROR, 'the first frame must be hello');
    if (identity === false) return connection.close(POLICY_VIOLATION, 'not identified');
    const { store } = this.#settings;
    if (hello.session !== null) {
      const known = this.#sessions.get(hello.session);
      if (known || !this.#subscriber.closed) {
        // A Session of ours claims in turn with its own store calls (none from before answered after the claim).
        let holder = known?.holder ?? newSessionId();
        let claimed = known ? await known.claim(identity) : await store.claim(hello.session, holder, identity, Date.now());
        const local = this.#sessions.get(hello.session);
        if (claimed && local && local.holder !== holder) {
          // Another connection made a Session for it while this one was claiming: that one holds it.
          holder = local.holder;
          claimed = await local.claim(identity);
        }
        if (claimed) {
          const session = this.#sessions.get(claimed.id) ?? this.#emit(claimed, holder);
          if (session) session.attach(connection, 'resumed', hello.received, claimed);
          else await this.#release(connection, claimed.id, holder);
          return;
        }
      }
    }
    if (this.#subscriber.closed) return connection.close(GOING_AWAY, 'not accepting sessions');
    const id = newSessionId();
    const holder = newSessionId();
    const record: ClaimedSession = { id, identity, received: 0, sent: 0, replay: [], expiresAt: null, inbox: [] };
    await store.create({ id, identity, received: 0, sent: 0, replay: [], expiresAt: null }, holder);
    const session = this.#emit(record, holder);
    if (session) session.attach(connection, 'new', 0, record);
    else await this.#release(connection, id, holder);
  }

  /** The identity of `request` (null: none given), or false when `identify` refused it. */
  async #identify(request: IncomingMessage): Promise<string | null | false> {
    const { identify } = this.#settings;
    if (!identify) return null;
    try {
      return identityOf(await identify(request));
    } catch {
      return false;
    }
  }

  /** Makes and emits the Session of `record`; undefined when nobody subscribes anymore (or the subscriber ended it at once). */
  #emit(record: ClaimedSession, holder: string): Session<In, Out> | undefined {
    if (this.#subscriber.closed) return undefined;
    const session = new Session<In, Out>(record, holder, this.#settings, (ended) => {
      if (this.#sessions.get(ended.id) === ended) this.#sessions.delete(ended.id);
    });
    this.#sessions.set(record.id, session);
    this.#subscriber.next(session);
    return session.closed ? undefined : session;
  }

  /** The subscription ended while the session was claimed or made: the connection goes, the session expires unless resumed elsewhere. */
  async #release(connection: SessionConnection, id: string, holder: string): Promise<void> {
    connection.close(GOING_AWAY, 'not accepting sessions');
    await this.#settings.store.update(id, holder, { expiresAt: Date.now() + this.#settings.expireAfter });
  }
}

/**
 * Serves resumable sessions (the `rxws.session.v1` protocol, docs/session-protocol.md) on a `ws`
 * `WebSocketServer`, in `port`, `server` or `noServer` mode. Subscribing listens to the server's
 * `connection` events and emits a {@link Session} for each session a client starts, and for each
 * session resumed here that this subscription does not know yet (e.g. after a restart, from a
 * shared store). Connections whose selected subprotocol is not `rxws.session.v1` are left to the
 * application. Unsubscribing stops taking sessions; the sessions emitted carry on until they end.
 * Give the server {@link acceptSessions.handleProtocols} so that it selects the subprotocol.
 *
 * @typeParam In what each `Session`'s `next()` accepts (before the serializer).
 * @typeParam Out what its subscribers receive (after the deserializer).
 * @throws TypeError (at the call) naming a bad option.
 *
 * @example
 * import { WebSocketServer } from 'ws';
 * import { acceptSessions } from 'rxws/node';
 *
 * const wss = new WebSocketServer({ port: 8080, handleProtocols: acceptSessions.handleProtocols });
 * acceptSessions<Fill, Order>(wss, { expireAfter: 120_000, identify: (request) => userOf(request) }).subscribe((session) => {
 *   session.subscribe((order) => session.next(fill(order)));        // lives across the client's reconnections
 *   session.state$.subscribe((state) => metrics.set(session.id, state)); // 'connected' | 'disconnected' | 'expired'
 * });
 */
export function acceptSessions<In = unknown, Out = In>(wss: SessionServer, options: AcceptSessionsOptions<In, Out> = {}): Observable<Session<In, Out>> {
  if (wss === null || typeof wss !== 'object' || typeof wss.on !== 'function' || typeof wss.off !== 'function') {
    fail('acceptSessions()', `'wss' must be a ws WebSocketServer, not ${describe(wss)}.`);
  }
  const settings = checkSessionOptions<In, Out>(options);
  return new Observable<Session<In, Out>>((subscriber) => {
    const acceptor = new SessionAcceptor(settings, subscriber);
    wss.on('connection', acceptor.onConnection);
    return () => {
      wss.off('connection', acceptor.onConnection);
    };
  });
}

/**
 * For `ws`'s `handleProtocols` option: selects `rxws.session.v1` when the client offers it, else
 * the first subprotocol offered (as `ws` does without the option), or none (`false`).
 *
 * @example
 * new WebSocketServer({ port: 8080, handleProtocols: acceptSessions.handleProtocols });
 */
acceptSessions.handleProtocols = function handleProtocols(protocols: Set<string>, request?: IncomingMessage): string | false {
  void request;
  if (protocols.has(SESSION_PROTOCOL)) return SESSION_PROTOCOL;
  for (const protocol of protocols) return protocol;
  return false;
};
