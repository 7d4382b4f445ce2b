// The opening handshake a dialled socket makes: the constructor's arguments checked and turned
// into `ws` client options, the Fetch-compatible request details (the subprotocol header, the
// URL's credentials kept for a 401), and the handshake timer.
import type { ClientRequest } from 'node:http';
import type { WebSocket as WsSocket } from 'ws';
import type { BinaryType } from './constants.js';
import { toProtocolsArgument, type WebSocketInit } from './init.js';
import { toWsOptions } from './node-options.js';
import { checkProtocols, parseWebSocketUrl } from './url.js';
import { DialledWs, kOwner, type OwnedWs, type WsEventOwner } from './ws-events.js';

export type WsClientOptions = ConstructorParameters<typeof WsSocket>[2];

/** What a handshake needs to be made again, with the URL's credentials, after a 401. */
export interface AuthenticationRetry {
  href: string;
  protocols: string[];
  options: WsClientOptions;
  authorization: string;
}

/** What the constructor needs to dial, from its three arguments. */
export interface DialPlan {
  /** The URL as parsed (what `url` returns). */
  url: string;
  /** The URL dialled: without credentials when they wait for a 401. */
  href: string;
  protocols: string[];
  wsOptions: NonNullable<WsClientOptions>;
  coalesce: boolean;
  handshakeTimeout: number | undefined;
  binaryType: BinaryType | undefined;
  authenticationRetry: AuthenticationRetry | undefined;
}

/**
 * Checks the constructor's arguments as WebIDL and the spec do (TypeErrors from the conversions
 * first, then SyntaxErrors from the steps) and plans the handshake.
 */
export function planDial(url: string | URL, protocols: string | string[] | WebSocketInit | undefined, options: unknown): DialPlan {
  const input = String(url);
  const argument = toProtocolsArgument(protocols);
  const record = parseWebSocketUrl(input);
  const list = checkProtocols(argument.protocols);
  const { coalesce, handshakeTimeout, binaryType, ...wsOptions } = toWsOptions(options);
  if (argument.headers !== undefined) wsOptions.headers = withNodeHeaders(argument.headers, wsOptions.headers);
  if (list.length > 1) {
    const finish = wsOptions.finishRequest;
    wsOptions.finishRequest =
      finish === undefined
        ? finishHandshakeRequest
        : (request, ws) => {
            combineProtocolHeader(request);
            finish(request, ws);
          };
  }
  // Fetch sends a URL's credentials only when the server asks (a 401), and `ws` would send them
  // up front: dial without them, and keep them for a second handshake.
  let href = record.href;
  let authenticationRetry: AuthenticationRetry | undefined;
  if ((record.username !== '' || record.password !== '') && !hasAuthorization(wsOptions.headers)) {
    const bare = new URL(href);
    bare.username = '';
    bare.password = '';
    href = bare.href;
    const authorization = `Basic ${Buffer.from(`${record.username}:${record.password}`).toString('base64')}`;
    authenticationRetry = { href, protocols: list, options: wsOptions, authorization };
  }
  // TLS options matter only for wss: (or a redirect there); `ws` keeps its options object for
  // the life of the connection, so a plain ws: connection does not carry them.
  if (record.protocol === 'ws:' && wsOptions.followRedirects !== true) delete wsOptions.rejectUnauthorized;
  return { url: record.href, href, protocols: list, wsOptions, coalesce, handshakeTimeout, binaryType, authenticationRetry };
}

/**
 * The headers of the WebSocketInit dictionary with the Node options' `headers` over them: a name
 * given in both (in any case) is sent once, with the Node options' value (the more specific,
 * Node-only argument; an `undefined` value there is not given).
 */
function withNodeHeaders(init: Record<string, string>, node: Record<string, string> | undefined): Record<string, string> {
  if (node === undefined) return init;
  const merged = Object.assign(Object.create(null) as Record<string, string>, init);
  const initNames = new Map(Object.keys(init).map((name) => [name.toLowerCase(), name]));
  for (const name of Object.keys(node)) {
    const value = node[name];
    if (value === undefined) continue;
    const shadowed = initNames.get(name.toLowerCase());
    if (shadowed !== undefined) delete merged[shadowed];
    merged[name] = value;
  }
  return merged;
}

/** Whether the Node `headers` option already carries an Authorization header (any case). */
function hasAuthorization(headers: unknown): boolean {
  if (headers === null || typeof headers !== 'object') return false;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
}

const PROTOCOL_HEADER = 'sec-websocket-protocol';
/**
 * `ws`'s last step before a handshake request leaves: `ws` joins the subprotocols with ',', Fetch
 * combines header values with ', ' (what browsers and undici send).
 */
function combineProtocolHeader(request: ClientRequest): void {
  const value = request.getHeader(PROTOCOL_HEADER);
  if (typeof value === 'string') request.setHeader(PROTOCOL_HEADER, value.split(',').join(', '));
}
function finishHandshakeRequest(request: ClientRequest): void {
  combineProtocolHeader(request);
  request.end();
}

/**
 * Fetch's HTTP-network-or-cache fetch, step 14: the server answered 401 to a URL with
 * credentials, so the handshake is made once more with them as Basic authorization. `old` is
 * retired (what it reports from now on is dropped) and aborted; the listeners added to it
 * (through getNodeControls) move to the new socket, which is returned.
 */
export function redialWithCredentials(old: OwnedWs, owner: WsEventOwner, retry: AuthenticationRetry): OwnedWs {
  old[kOwner] = null;
  old.close(); // aborts the first request
  const headers = { ...(retry.options?.headers as Record<string, string> | undefined), authorization: retry.authorization };
  const ws = new DialledWs(owner, retry.href, retry.protocols, { ...retry.options, headers });
  ws.binaryType = 'nodebuffer';
  for (const name of old.eventNames()) {
    for (const listener of old.listeners(name)) ws.on(name, listener as (...args: unknown[]) => void);
  }
  return ws;
}
