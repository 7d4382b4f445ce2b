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

/**
 * Converts `protocols` as WebIDL's `(DOMString or sequence<DOMString>)` and checks it (step 8-9):
 * a duplicate (compared case-insensitively) or a value that is not a token is a `SyntaxError`.
 */
export function parseProtocols(protocols: unknown): string[] {
  let list: string[];
  if (protocols === undefined) return [];
  if (protocols !== null && typeof protocols === 'object' && Symbol.iterator in protocols) {
    list = Array.from(protocols as Iterable<unknown>, (p) => String(p));
  } else {
    list = [String(protocols)];
  }
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
