// The test server's options and the records it keeps of handshakes: types only, shared by the
// server and its upgrade handling.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { PerMessageDeflateOptions } from 'ws';
import type { Codec } from './codec.js';

/** A handshake refusal: the HTTP status, and optionally headers and a body. */
export interface Refusal {
  /** The HTTP status, e.g. 503. */
  status: number;
  /** Response headers besides `Connection`, `Content-Type` and `Content-Length` (which they may override). */
  headers?: OutgoingHttpHeaders;
  /** The response body. Default: the status and its reason phrase, e.g. `503 Service Unavailable`. */
  body?: string;
}

/** What `verify` returns: `true` accepts, `false` refuses with 401, a number or {@link Refusal} refuses with that status. */
export type VerifyResult = boolean | number | Refusal;

/** Options of {@link createTestServer}. */
export interface TestServerOptions {
  /** Parse incoming text frames as JSON and stringify outgoing messages (binary passes through). */
  json?: boolean;
  /** A custom {@link Codec} (wins over `json`). */
  codec?: Codec;
  /**
   * Subprotocol selection: a list (the first protocol the client offers that is in it is chosen;
   * none if there is no common one) or a function of the offered list returning the choice or
   * `false`.
   */
  protocols?: readonly string[] | ((offered: string[], request: IncomingMessage) => string | false);
  /** Handshake verification, may be async (see {@link VerifyResult}). */
  verify?: (request: IncomingMessage) => VerifyResult | Promise<VerifyResult>;
  /** permessage-deflate: `true` or `ws`'s options to offer it. Default: off. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message the server accepts, in bytes (`ws` closes with 1009 beyond). Default 100 MiB. */
  maxPayload?: number;
  /** Delay every handshake by this many real milliseconds (`Infinity` holds them; see {@link TestServer.delayHandshake}). */
  handshakeDelay?: number;
  /** Delay every scripted reply by this many real milliseconds. */
  replyDelay?: number;
  /**
   * Default timeout of the waits, in real milliseconds. Default 3000: generous for a loaded CI
   * machine, and under Jest's default 5 s test timeout, so a wait that fails says what arrived.
   */
  timeout?: number;
  /** Serve `wss://` with these TLS options (`key`, `cert`…). */
  tls?: HttpsServerOptions;
  /** Listen on this port instead of a free one. */
  port?: number;
  /**
   * `false`: keep no record, for a server that runs long and moves much (the `rxws serve` command):
   * received messages are not kept (`messages`, transcripts), `connections` holds the open ones
   * only, and `nextMessage()` rejects at once saying why. Reply rules, `onConnection` handlers and
   * faults work as usual. Default `true`.
   */
  history?: boolean;
}

/** Options of {@link TestServer.restart}. */
export interface RestartOptions {
  /** Drop the connections (1006 for the clients) instead of closing them with 1012 Service Restart. */
  drop?: boolean;
  /** How long the port stays closed, in real milliseconds (clients trying meanwhile get ECONNREFUSED). Default 0. */
  downtime?: number;
}

/** Options of {@link TestServer.close}. */
export interface CloseOptions {
  /** Drop the connections instead of closing them with 1001 Going Away. */
  drop?: boolean;
}

/** One upgrade request the server saw, and what became of it. */
export interface HandshakeRecord {
  /** The request target as sent, e.g. `/chat?room=1`. */
  readonly url: string;
  /** The request headers (lower-cased names). */
  readonly headers: IncomingMessage['headers'];
  /** `accepted`, `refused` (with `status`), or `aborted` (the server closed or the client left while it was held). */
  outcome: 'pending' | 'accepted' | 'refused' | 'aborted';
  /** The HTTP status of a refusal. */
  status?: number;
}
