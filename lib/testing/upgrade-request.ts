// What a test sees of a connection's HTTP upgrade request: the URL taken apart, the headers and the
// offered subprotocols, with the raw `IncomingMessage` for code that takes one.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** The HTTP upgrade request of a connection. */
export interface UpgradeRequest {
  /** The request target as sent, e.g. `/chat?room=1`. */
  readonly url: string;
  /** The path part of {@link UpgradeRequest.url}, e.g. `/chat`. */
  readonly path: string;
  /** The query part of {@link UpgradeRequest.url}. */
  readonly query: URLSearchParams;
  /** The request headers (lower-cased names). */
  readonly headers: IncomingHttpHeaders;
  /** The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its order. */
  readonly protocols: string[];
  /** The client's address. */
  readonly remoteAddress: string | undefined;
  /** The client's port. */
  readonly remotePort: number | undefined;
  /** The `IncomingMessage` itself, for code that takes one (e.g. a `(ws, request)` connection handler). */
  readonly raw: IncomingMessage;
}

/** @internal Describes an upgrade request for its connection. */
export function describeRequest(request: IncomingMessage): UpgradeRequest {
  const url = request.url ?? '/';
  const parsed = new URL(url, 'http://127.0.0.1');
  const offered = request.headers['sec-websocket-protocol'];
  return {
    url,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: request.headers,
    protocols: offered ? offered.split(',').map((p) => p.trim()).filter(Boolean) : [],
    remoteAddress: request.socket.remoteAddress,
    remotePort: request.socket.remotePort,
    raw: request,
  };
}
