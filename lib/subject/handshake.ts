// The user's on-open handshake (authentication, hello): the first step of the open sequence.
import { Observable, type ObservableInput } from 'rxjs';
import type { OpenStep } from './open-step.js';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';

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
 * The `handshake` option of `webSocket()`: runs when each connection opens, before the queued
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
 *   handshake: ({ send, messages }) => {
 *     send({ type: 'auth', token: session.token });
 *     return messages.pipe(
 *       first((m) => m.type === 'auth-ok' || m.type === 'auth-failed'),
 *       map((m) => { if (m.type === 'auth-failed') throw new Error('bad token'); }),
 *     );
 *   },
 * });
 */
export type Handshake<In, Out> = (connection: HandshakeConnection<In, Out>) => ObservableInput<unknown> | void;

/** @internal The open step running `handshake` with the subject's serializer and deserializer. */
export function handshakeStep<In, Out>(
  handshake: Handshake<In, Out>,
  serializer: (value: In) => WebSocketMessage,
  deserializer: (event: MessageEvent) => Out,
): OpenStep {
  let count = 0;
  return (opening) => {
    const socket = opening.socket;
    const messages = new Observable<Out>((subscriber) => {
      const listener = (event: Event): void => {
        let value: Out;
        try {
          value = deserializer(event as MessageEvent);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next(value);
      };
      const closed = (): void => subscriber.error(new Error('The connection closed during the handshake.'));
      return opening.listen(listener, closed);
    });
    const connection: HandshakeConnection<In, Out> = {
      socket,
      connectionCount: count++,
      send: (value) => opening.send(serializer(value)),
      messages,
    };
    return handshake(connection);
  };
}
