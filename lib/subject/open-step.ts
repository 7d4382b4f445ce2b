// The open sequence's shape: what a step of it gets (the handshake, multiplexed topics).
import type { ObservableInput } from 'rxjs';
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';

/**
 * @internal What an {@link OpenStep} gets: the connection that just opened, and a way to write to it
 * directly (before, and never through, the outbound queue).
 */
export interface OpeningConnection {
  /** The socket that just opened. */
  readonly socket: WebSocketLike;
  /** Sends `data` (already serialized) on this connection at once; false if it is no longer open. */
  send(data: WebSocketMessage): boolean;
  /** Listens to this connection's messages and its close until the returned function is called. */
  listen(onMessage: (event: Event) => void, onClose: () => void): () => void;
}

/**
 * @internal A step of the open sequence. After a socket opens, the steps run in order (a step returning an
 * observable, promise or other ObservableInput runs until it completes); only then is the queue
 * flushed and `next()` writes directly. Layers register their steps: the user's handshake
 * (authentication) first, then multiplexed topics re-subscribing. A step that throws or errors
 * fails the connection: subscribers get its error and the socket is closed with 1000.
 */
export type OpenStep = (connection: OpeningConnection, host: OpenStepHost) => ObservableInput<unknown> | void;

/** @internal What an open step may reach of the subject running it. */
export interface OpenStepHost {
  readonly topics: TopicsSlot | undefined;
}

/** @internal Multiplexed topics and requests (topics.ts), attached to the engine when first used. */
export interface TopicsSlot {
  /** A connection opened (the last open step): re-announce live topics, send waiting requests. */
  opened(connection: OpeningConnection): void;
  /** The last reconnect() hold was released: topics waiting for a reconnection end now. */
  holdReleased(): void;
}
