// Failing a connection from the client's side, as dead (the heartbeat) or too slow to open
// (reconnect()'s connect timeout): bundled with those capabilities, not with every subject.
import { getNodeControls } from '../websocket/controls.js';
import { CloseEvent as PlatformCloseEvent } from '../websocket/platform.js';
import { CLOSING, RESOLVING, SOCKET_CONNECTING, WAITING, type Connection } from './connection.js';
import type { SubjectCore } from './core.js';
import { engineOf } from './engine-host.js';

/**
 * @internal
 * Fails `connection` from the client's side as dead or too slow (`'timeout'`: reconnect's
 * connectTimeout; `'heartbeat'`: a missed deadline). Its subscribers error with a
 * WebSocketCloseError of that kind and code 1006 (never a synthetic 1000), and no socket is
 * left behind: one still connecting is closed (the handshake fails with 1006); an open one is
 * terminated on Node, and elsewhere closed while the subject treats it as closed at once
 * (a dead peer would never complete the closing handshake).
 */
export function abortConnection(engine: SubjectCore<unknown, unknown>, connection: Connection<unknown, unknown>, kind: 'timeout' | 'heartbeat'): void {
  const phase = connection.phase;
  if (phase === WAITING || phase >= CLOSING || connection.failure !== undefined) return;
  connection.failure = kind;
  connection.heartbeat?.stop();
  if (phase === RESOLVING) {
    connection.synchronous = false;
    engine.failBeforeSocket(connection, new Error(kind === 'timeout' ? 'The connection did not open in time.' : 'The heartbeat found the connection dead.'));
    return;
  }
  const socket = connection.socket!;
  connection.phase = CLOSING;
  if (engine.openSocket === socket) {
    engine.openSocket = null;
    engine.gate?.detach();
  }
  connection.step?.unsubscribe();
  connection.step = undefined;
  if (phase === SOCKET_CONNECTING) {
    socket.close(); // fails the opening handshake: error, then close 1006
    return;
  }
  const controls = getNodeControls(socket);
  if (controls !== undefined) {
    controls.terminate(); // destroys the TCP socket: the close event (1006) follows
    return;
  }
  // Treated as closed now (detached first, so the socket's own close event, whenever it comes, is not reported).
  engine.closed(connection, new PlatformCloseEvent('close', { code: 1006, reason: '', wasClean: false }));
  try {
    socket.close(1000, `${kind === 'timeout' ? 'connect' : kind} timeout`); // 'connect timeout' or 'heartbeat timeout'
  } catch {
    // already closing
  }
}

/** @internal {@link abortConnection} on the current connection of `subject`'s engine, if any (reconnect()'s connect timeout). */
export function abortCurrent(subject: unknown, kind: 'timeout' | 'heartbeat'): void {
  const engine = engineOf<unknown, unknown>(subject);
  const connection = engine?.current;
  if (connection !== undefined) abortConnection(engine!, connection, kind);
}
