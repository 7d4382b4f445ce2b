// What runs when a connection opens, before it is ready (the queue flushed, `next()` writing
// directly): the handshake, if the config has one (handshake.ts), then multiplexed topics
// re-subscribing (topics.ts).
import type { WebSocketLike, WebSocketMessage } from '../websocket/socket-like.js';

/**
 * @internal The connection that just opened, as the open sequence sees it: its socket, and a way
 * to write to it directly (before, and never through, the outbound queue).
 */
export interface OpeningConnection {
  /** The socket that just opened. */
  readonly socket: WebSocketLike;
  /** Sends `data` (already serialized) on this connection at once; false if it is no longer open. */
  send(data: WebSocketMessage): boolean;
}

/** @internal Multiplexed topics and requests (topics.ts), attached to the engine when first used. */
export interface TopicsSlot {
  /** A connection opened (the last step of the open sequence): re-announce live topics, send waiting requests. */
  opened(connection: OpeningConnection): void;
  /** The last reconnect() hold was released: topics waiting for a reconnection end now. */
  holdReleased(): void;
}
