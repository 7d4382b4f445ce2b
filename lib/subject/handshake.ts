// The on-open handshake (authentication, hello), bundled only when imported: the first step of
// the open sequence, before multiplexed topics re-subscribe and the queue is flushed.
import { from, Observable, Subject, type ObservableInput } from 'rxjs';
import { checkFunction } from '../common/options.js';
import type { CloseEvent } from '../websocket/events.js';
import { listensThroughEventTarget, type WebSocketLike } from '../websocket/socket-like.js';
import { CLOSED, OPEN, SOCKET_OPEN, type Connection } from './connection.js';
import type { SubjectCore } from './core.js';
import { kFeature, type HandshakeOption } from './features.js';

/**
 * What the `handshake` hook gets, once per connection, right after it opened and before anything
 * queued is sent.
 *
 * @typeParam In what `send()` accepts (serialized like `next()`).
 * @typeParam Out what `messages` emits (deserialized).
 */
export interface HandshakeConnection<In, Out> {
  /** The socket that just opened. */
  readonly socket: WebSocketLike;
  /** How many times this subject has connected before (0 on the first connection). */
  readonly connectionCount: number;
  /**
   * Sends `value` (serialized) on this connection at once, never through the outbound queue (so
   * it is never replayed on a later connection). False if the connection is no longer open.
   *
   * @example
   * handshake: ({ send }) => { send({ type: 'auth', token }); }
   */
  send(value: In): boolean;
  /**
   * The messages received on this connection from now on (deserialized; a deserializer throw
   * errors this stream). Subscribers of the subject receive them too.
   */
  readonly messages: Observable<Out>;
}

/**
 * The function given to {@link handshake} (`webSocket()`'s `handshake` option): runs when each connection opens, before the queued
 * messages are flushed and before `next()` writes directly. The connection is ready once the
 * returned observable (or promise) **completes**; if it errors or throws, the connection is
 * closed (1000) and subscribers error with a `WebSocketCloseError` of `kind: 'handshake'` whose
 * `cause` is that error (`reconnect()` does not retry it by default). Returning nothing means
 * "ready at once". Only its own `send()`s go out before the queue (multiplexed topics re-subscribe
 * right after it).
 *
 * @example
 * webSocket<Msg>({
 *   url,
 *   handshake: handshake(({ send, messages }) => {
 *     send({ type: 'auth', token: session.token });
 *     return messages.pipe(
 *       first((m) => m.type === 'auth-ok' || m.type === 'auth-failed'),
 *       map((m) => { if (m.type === 'auth-failed') throw new Error('bad token'); }),
 *     );
 *   }),
 * });
 */
export type Handshake<In, Out> = (connection: HandshakeConnection<In, Out>) => ObservableInput<unknown> | void;

/**
 * The `handshake` option of `webSocket()`: `fn` runs when each connection opens (see
 * {@link Handshake}). Bundled only when imported.
 *
 * @throws TypeError when `fn` is not a function.
 *
 * @example
 * import { webSocket, handshake } from 'rxws';
 * import { first, map } from 'rxjs';
 *
 * const ws$ = webSocket<Msg>({
 *   url,
 *   handshake: handshake(({ send, messages }) => {
 *     send({ type: 'auth', token: session.token });
 *     return messages.pipe(first((m) => m.type === 'auth-ok'));
 *   }),
 * });
 */
export function handshake<In = unknown, Out = unknown>(fn: Handshake<In, Out>): HandshakeOption<In, Out> {
  checkFunction('handshake()', fn, 'fn');
  return {
    [kFeature]: 'handshake',
    run: (engine, connection) => {
      // Counted per subject (one option object may serve several subjects).
      const count = connectionCounts.get(engine) ?? 0;
      connectionCounts.set(engine, count + 1);
      run(engine as SubjectCore<In, Out>, connection as Connection<In, Out>, fn, count);
    },
  };
}

/** How many connections each subject's handshake has run on. */
const connectionCounts = new WeakMap<object, number>();

/** Runs the handshake on a connection that just opened; the engine is told when it is through. */
function run<In, Out>(engine: SubjectCore<In, Out>, connection: Connection<In, Out>, fn: Handshake<In, Out>, connectionCount: number): void {
  const socket = connection.socket!;
  const { serializer, deserializer } = engine.config;
  const messages = new Observable<Out>((subscriber) => {
    const onMessage = (event: Event): void => {
      let value: Out;
      try {
        value = deserializer(event as MessageEvent);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      subscriber.next(value);
    };
    const onClose = (): void => subscriber.error(new Error('The connection closed during the handshake.'));
    if (listensThroughEventTarget(socket)) {
      socket.addEventListener!('message', onMessage);
      socket.addEventListener!('close', onClose);
      return () => {
        socket.removeEventListener!('message', onMessage);
        socket.removeEventListener!('close', onClose);
      };
    }
    // A socket driven through its handler attributes has room for one listener each (the
    // connection's): listen through the subject's passive streams instead.
    const streams = engine.passive;
    const received = (streams.message ??= new Subject<MessageEvent>()).subscribe((event) => {
      if (connection.socket === socket) onMessage(event);
    });
    const closed = (streams.close ??= new Subject<CloseEvent>()).subscribe(() => {
      if (connection.phase === CLOSED) onClose();
    });
    return () => {
      received.unsubscribe();
      closed.unsubscribe();
    };
  });
  let result: ObservableInput<unknown> | void;
  try {
    result = fn({
      socket,
      connectionCount,
      send: (value) => {
        if (connection.phase !== SOCKET_OPEN || socket.readyState !== OPEN) return false;
        return engine.sendDirect(socket, serializer(value));
      },
      messages,
    });
  } catch (error) {
    engine.openStepFailed(connection, error);
    return;
  }
  if (result === undefined || result === null) {
    engine.becomeReady(connection);
    return;
  }
  let completed = false;
  let synchronous = true;
  const subscription = from(result).subscribe({
    error: (error: unknown) => engine.openStepFailed(connection, error),
    complete: () => {
      completed = true;
      connection.step = undefined;
      if (!synchronous) engine.becomeReady(connection);
    },
  });
  synchronous = false;
  if (completed) engine.becomeReady(connection);
  else if (connection.phase === SOCKET_OPEN && !subscription.closed) connection.step = subscription;
}
