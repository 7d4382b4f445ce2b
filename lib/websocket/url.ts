// https://websockets.spec.whatwg.org/#dom-websocket-websocket steps 1-7: URL and protocol checks.

/**
 * Parses `url` as the WebSocket constructor does: relative or invalid URLs, schemes other than
 * ws/wss/http/https, and fragments are `SyntaxError`s; http(s) maps to ws(s).
 */
export function parseWebSocketUrl(url: unknown): URL {
  const input = String(url);
  let record: URL;
  try {
    // Step 1-3: there is no API base URL on Node, so a relative URL fails to parse.
    record = new URL(input);
  } catch {
    throw new DOMException(`The URL '${input}' is invalid.`, 'SyntaxError');
  }
  // Step 4-5.
  if (record.protocol === 'http:') record.protocol = 'ws:';
  else if (record.protocol === 'https:') record.protocol = 'wss:';
  // Step 6.
  if (record.protocol !== 'ws:' && record.protocol !== 'wss:') {
    throw new DOMException(
      `The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${record.protocol.slice(0, -1)}' is not allowed.`,
      'SyntaxError',
    );
  }
  // Step 7: a fragment, even an empty one ('#'), is not allowed. `hash` is '' for both, so look at href.
  if (record.hash !== '' || record.href.endsWith('#')) {
    throw new DOMException(
      `The URL contains a fragment identifier ('${record.hash || '#'}'). Fragment identifiers are not allowed in WebSocket URLs.`,
      'SyntaxError',
    );
  }
  return record;
}

// RFC 2616 `token`: visible US-ASCII except separators.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** WebIDL's Type(V) is Object: a non-null object or a function. */
export function isWebIdlObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** ECMAScript's GetMethod(V, @@iterator): undefined when absent, a TypeError when not callable. */
export function iteratorMethod(value: object, what: string): (() => Iterator<unknown>) | undefined {
  const method: unknown = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (method === undefined || method === null) return undefined;
  if (typeof method !== 'function') throw new TypeError(`${what}: its Symbol.iterator is not a function.`);
  return method as () => Iterator<unknown>;
}

/** The values `method` iterates over `value` (WebIDL's "create a sequence from an iterable"). */
export function iterate(value: object, method: () => Iterator<unknown>): Iterable<unknown> {
  return { [Symbol.iterator]: () => method.call(value) };
}

/** WebIDL `DOMString`: ECMAScript ToString (a Symbol is a TypeError, as a template literal makes it). */
export function toDOMString(value: unknown): string {
  return `${value as string}`;
}

/** Converts `protocols` as WebIDL's `(DOMString or sequence<DOMString>)`, unchecked. */
export function toProtocolList(protocols: unknown): string[] {
  if (isWebIdlObject(protocols)) {
    const method = iteratorMethod(protocols, "Failed to construct 'WebSocket': the protocols");
    if (method !== undefined) return Array.from(iterate(protocols, method), toDOMString);
  }
  return [toDOMString(protocols)];
}

/**
 * Checks the subprotocols (the constructor's step 8-9): a duplicate (compared case-insensitively)
 * or a value that is not a token is a `SyntaxError`.
 */
export function checkProtocols(list: string[]): string[] {
  const seen = new Set<string>();
  for (const protocol of list) {
    if (!TOKEN.test(protocol)) {
      throw new DOMException(`The subprotocol '${protocol}' is invalid.`, 'SyntaxError');
    }
    const key = protocol.toLowerCase();
    if (seen.has(key)) {
      throw new DOMException(`The subprotocol '${protocol}' is duplicated.`, 'SyntaxError');
    }
    seen.add(key);
  }
  return list;
}

/** Converts `protocols` as WebIDL's `(DOMString or sequence<DOMString>)` and checks it. */
export function parseProtocols(protocols: unknown): string[] {
  return protocols === undefined ? [] : checkProtocols(toProtocolList(protocols));
}
