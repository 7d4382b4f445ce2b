// The constructor's second argument as Node's built-in WebSocket (undici) reads it: the WebIDL union
// `(DOMString or sequence<DOMString> or WebSocketInit)`, the dictionary proposed in
// https://github.com/whatwg/websockets/issues/42. Browsers know only the first two.
import { NODE_OPTION_NAMES } from './node-options.js';
import { isWebIdlObject, iterate, iteratorMethod, toDOMString, toProtocolList } from './url.js';

/**
 * Request headers for the opening handshake, as Fetch's `HeadersInit`: a record of names to
 * values, or an iterable of `[name, value]` pairs (a `Headers`, a `Map`, an array of pairs).
 *
 * @example
 * new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
 * new WebSocket(url, { headers: [['x-trace', id], ['x-trace', parentId]] }); // sent as "x-trace: id, parentId"
 */
export type WebSocketHeadersInit = Iterable<readonly string[]> | Record<string, string | readonly string[]>;

/**
 * The dictionary that Node's built-in `WebSocket` (undici) takes as its second argument in place
 * of the subprotocols. rxws takes it on Node too, so code written for Node's global runs
 * unchanged; browsers do not (they read it as the subprotocol `'[object Object]'`, a `SyntaxError`).
 *
 * @example
 * const socket = new WebSocket(url, { protocols: ['json'], headers: { authorization: `Bearer ${token}` } });
 * // With Node options as well (the third argument):
 * const other = new WebSocket(url, { protocols: 'json' }, { handshakeTimeout: 5000 });
 */
export interface WebSocketInit {
  /** One subprotocol or a list of them, offered in order (checked as the second argument is). */
  protocols?: string | string[];
  /**
   * Extra request headers for the handshake. The Node options' `headers` may name the same header:
   * its value is the one sent.
   */
  headers?: WebSocketHeadersInit | null;
  /**
   * undici's `Dispatcher`: not supported (rxws connects through `ws`, not undici), and a
   * `TypeError` when given. Pass an `http.Agent` (a proxy agent, say) as the Node options' `agent`.
   */
  dispatcher?: undefined;
}

/** What the second argument asks for: the subprotocols, and the dictionary's headers if any. */
export interface ProtocolsArgument {
  /** Converted (WebIDL), not yet checked: see `checkProtocols`. */
  protocols: string[];
  /** Header names (as first written) to values, without duplicates in any case. */
  headers: Record<string, string> | undefined;
}

// RFC 9110 `token`, what a header name is.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Fetch's "normalize": strip leading and trailing HTTP whitespace.
const HTTP_WHITESPACE_EDGES = /^[\t\n\r ]+|[\t\n\r ]+$/g;
// Fetch's header value: no NUL, CR or LF (after normalizing).
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;
// A ByteString holds code units up to 0xFF only.
const BEYOND_BYTE = /[^\0-\xFF]/;

/** WebIDL `ByteString`. */
function toByteString(value: unknown): string {
  const text = toDOMString(value);
  if (BEYOND_BYTE.test(text)) {
    throw new TypeError(`WebSocketInit 'headers': '${text}' has a character above U+00FF (header names and values are ByteStrings).`);
  }
  return text;
}

/** Fetch's append: checks one header and adds it, combining a repeated name's values with ', '. */
function appendHeader(headers: Record<string, string>, names: Map<string, string>, name: string, rawValue: string): void {
  if (!HTTP_TOKEN.test(name)) throw new TypeError(`WebSocketInit 'headers': '${name}' is not a valid header name.`);
  const value = rawValue.replace(HTTP_WHITESPACE_EDGES, '');
  if (FORBIDDEN_IN_VALUE.test(value)) throw new TypeError(`WebSocketInit 'headers': the value of '${name}' has a NUL, CR or LF.`);
  const key = name.toLowerCase();
  const written = names.get(key);
  if (written === undefined) {
    names.set(key, name);
    headers[name] = value;
  } else {
    headers[written] = `${headers[written]!}, ${value}`;
  }
}

/**
 * Fetch's `HeadersInit` (`sequence<sequence<ByteString>> or record<ByteString, ByteString>`),
 * filled into a record as `new Headers(init)` would be: names checked, values normalized.
 */
function toHeaderRecord(init: unknown): Record<string, string> {
  if (!isWebIdlObject(init)) {
    throw new TypeError(`WebSocketInit 'headers' must be an object of header names to values or an iterable of [name, value] pairs, not ${typeof init}.`);
  }
  // No prototype: a header named '__proto__' is a header like any other.
  const headers = Object.create(null) as Record<string, string>;
  const names = new Map<string, string>();
  const method = iteratorMethod(init, "WebSocketInit 'headers'");
  if (method !== undefined) {
    for (const pair of iterate(init, method)) {
      const pairMethod = isWebIdlObject(pair) ? iteratorMethod(pair, "WebSocketInit 'headers': a header") : undefined;
      if (pairMethod === undefined) throw new TypeError(`WebSocketInit 'headers': each header must be a [name, value] pair.`);
      const parts = Array.from(iterate(pair as object, pairMethod), toByteString);
      if (parts.length !== 2) {
        throw new TypeError(`WebSocketInit 'headers': each header must be a [name, value] pair, not a list of ${parts.length}.`);
      }
      appendHeader(headers, names, parts[0]!, parts[1]!);
    }
    return headers;
  }
  // record<ByteString, ByteString>: own enumerable string keys, in order.
  for (const key of Reflect.ownKeys(init)) {
    if (typeof key !== 'string') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
    if (descriptor === undefined || !descriptor.enumerable) continue;
    appendHeader(headers, names, toByteString(key), toByteString((init as Record<string, unknown>)[key]));
  }
  return headers;
}

/**
 * Converts the constructor's second argument as WebIDL converts the union
 * `(DOMString or sequence<DOMString> or WebSocketInit)`: an object with `Symbol.iterator` is the
 * subprotocol list, another object (a function too) the dictionary, anything else one subprotocol.
 * `null` stays the subprotocol `'null'`, as in browsers and undici. Dictionary members are read in
 * WebIDL's order (`dispatcher`, `headers`, `protocols`); unknown members are ignored, as WebIDL
 * ignores them, except the names of Node options, which belong in the third argument.
 *
 * @throws TypeError for a `dispatcher`, a Node option in the dictionary, or bad `headers`.
 */
export function toProtocolsArgument(value: unknown): ProtocolsArgument {
  if (value === undefined) return { protocols: [], headers: undefined };
  if (!isWebIdlObject(value)) return { protocols: [toDOMString(value)], headers: undefined };
  // (@@iterator is read once, as WebIDL reads it.)
  const method = iteratorMethod(value, "Failed to construct 'WebSocket': the protocols");
  if (method !== undefined) return { protocols: Array.from(iterate(value, method), toDOMString), headers: undefined };
  const init = value as Record<string, unknown>;
  if (init.dispatcher !== undefined) {
    throw new TypeError(
      "Failed to construct 'WebSocket': the WebSocketInit option 'dispatcher' (an undici Dispatcher) is not supported: " +
        "rxws connects through 'ws', not undici. Pass an http.Agent (a proxy agent, say) as the Node options' 'agent' instead: " +
        'new WebSocket(url, { protocols }, { agent }).',
    );
  }
  const rawHeaders = init.headers;
  const headers = rawHeaders === undefined || rawHeaders === null ? undefined : toHeaderRecord(rawHeaders);
  const rawProtocols = init.protocols;
  const protocols = rawProtocols === undefined ? [] : toProtocolList(rawProtocols);
  for (const name of Object.keys(init)) {
    if (name !== 'headers' && NODE_OPTION_NAMES.has(name) && init[name] !== undefined) {
      throw new TypeError(
        `Failed to construct 'WebSocket': '${name}' is a Node option, not a member of the WebSocketInit dictionary (the second argument). ` +
          `Pass it in the third argument: new WebSocket(url, { protocols, headers }, { ${name} }).`,
      );
    }
  }
  return { protocols, headers };
}
