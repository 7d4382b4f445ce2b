// The standard-surface tests run against rxws's WebSocket and undici's, which follows the spec and
// runs the Web Platform Tests: a test encoding a wrong reading of the spec shows up as a difference.
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as RxwsWebSocket } from 'rxws';

/** A WebSocket constructor with the standard surface (the DOM's type). */
export type WebSocketCtor = typeof globalThis.WebSocket;

/** One implementation under test. */
export interface Implementation {
  name: 'rxws' | 'undici';
  WebSocket: WebSocketCtor;
}

export const implementations: Implementation[] = [
  { name: 'rxws', WebSocket: RxwsWebSocket as unknown as WebSocketCtor },
  { name: 'undici', WebSocket: UndiciWebSocket as unknown as WebSocketCtor },
];

/**
 * Where undici 7 departs from the WHATWG spec, with the spec text. Tests assert the spec for rxws
 * and this documented behaviour for undici, so a change on either side is noticed.
 */
export const undiciDeviations = {
  /**
   * WebIDL [Clamp]: "round x to the nearest integer, choosing the even integer if it lies halfway
   * between two"; undici takes the even one of floor(x) and ceil(x) whatever the fraction
   * (close(3000.6) sends 3000).
   */
  clampRoundsToEvenNeighbour: true,
  /** Spec: send() after CLOSING "must increase the bufferedAmount attribute"; undici leaves it. */
  bufferedAmountAfterClose: true,
  /** WebIDL: an invalid enum value assigned to binaryType is ignored; undici resets it to 'blob'. */
  binaryTypeInvalidValueResets: true,
  /**
   * Spec: a Blob given to send() before close() is sent (send ran while the handshake had not
   * started); undici's close frame overtakes the pending Blob read and the message is lost.
   */
  blobOvertakenByClose: true,
  /**
   * Spec: close() while CONNECTING fails the connection and sets readyState to CLOSING; error and
   * close are queued as tasks. undici fires both synchronously inside close() and is left CLOSING.
   */
  closeWhileConnectingIsSynchronous: true,
  /**
   * HTML: replacing an event handler keeps its listener's place in the list; undici removes and
   * re-adds it, so a replaced handler runs after listeners added in between.
   */
  handlerReplacementMovesToEnd: true,
  /**
   * RFC 6455 4.1 and 7.1.7: a client that rejects the handshake response (e.g. a subprotocol it did
   * not offer) must _Fail the WebSocket Connection_, which closes the TCP connection; undici fires
   * error and close 1006 but leaves the TCP connection open (the server still sees it open).
   */
  rejectedHandshakeLeavesConnectionOpen: true,
  /**
   * WebIDL: a view on shared memory is not an `[AllowShared]` BufferSource, so send() throws
   * TypeError; undici sends its bytes.
   */
  sharedMemoryViewIsSent: true,
  /**
   * Fetch (HTTP-network-or-cache fetch, step 14): a 401 is retried only with the URL's credentials;
   * undici repeats a handshake refused with 401 once even when the URL has none.
   */
  unauthorizedRetriedWithoutCredentials: true,
} as const;
