// A refused opening handshake's HTTP response, kept as data on the error that fails the connection
// (Node only: browsers do not expose handshake responses).
/**
 * The HTTP response of a refused opening handshake (any status but 101), as data: what the
 * `error` event's `error` (and so a subject's `WebSocketCloseError.cause`) carries on Node.
 * Browsers do not expose handshake responses, so there the cause has none of it.
 *
 * @example
 * ws$.subscribe({ error: (e: WebSocketCloseError) => {
 *   const refusal = e.cause as Partial<HandshakeRefusal> | undefined;
 *   if (refusal?.status === 503) console.log('retry after', refusal.headers?.['retry-after']);
 * } });
 */
export interface HandshakeRefusal {
  /** The HTTP status, e.g. 503. */
  readonly status: number;
  /** The reason phrase, e.g. `'Service Unavailable'` (`''` when the server sent none). */
  readonly statusText: string;
  /** The response headers, names lower-case (as Node gives them): `headers['retry-after']`. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The error a refused handshake fails the connection with: `ws`'s own message (`Unexpected
 * server response: 503`) with the response's {@link HandshakeRefusal} fields on it.
 */
export function refusalError(response: { statusCode?: number | undefined; statusMessage?: string | undefined; headers: HandshakeRefusal['headers'] }): Error & HandshakeRefusal {
  const status = response.statusCode ?? 0;
  return Object.assign(new Error(`Unexpected server response: ${status}`), {
    status,
    statusText: response.statusMessage ?? '',
    headers: { ...response.headers },
  });
}
