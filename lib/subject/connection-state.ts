/**
 * The state of a `WebSocketSubject`'s connection, as `state$` reports it:
 *
 * - `'idle'`: never connected (no subscriber yet);
 * - `'connecting'`: resolving the URL or factory, or waiting for the opening handshake;
 * - `'open'`: connected; `next()` sends at once;
 * - `'closing'`: the client started the closing handshake;
 * - `'closed'`: the last connection has ended (the next subscriber opens a new one).
 *
 * Later layers (reconnect) add states of their own, such as `'reconnecting'`, by widening this
 * union: code that switches on it should keep a default branch.
 *
 * @example
 * ws$.state$.subscribe((state) => statusBar.textContent = state);
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';
