// The end of a connection: how a failed one is torn down, and the events that report a close.
import type { Socket } from 'node:net';
import { CloseEvent, ErrorEvent } from './events.js';

function destroyStream(this: Socket): void {
  this.destroy();
}

/**
 * After a protocol error `ws` has queued its close frame and would wait up to 30 s for the peer to
 * close TCP: `tcp` is destroyed now instead. `ws` ends the TCP connection once its close frame is
 * written, and meanwhile drains what is left to read: destroying it then sends a FIN, not a reset
 * that could discard the close frame at the peer. A close frame stuck behind a backlog is not
 * waited for.
 */
export function destroyAfterCloseFrame(tcp: Socket | undefined): void {
  if (tcp === undefined || tcp.destroyed) return;
  if (tcp.writableFinished || tcp.writableLength > 0) tcp.destroy();
  else tcp.once('finish', destroyStream);
}

/** The `error` event of a failed connection. */
export function failureEvent(failure: Error | undefined): ErrorEvent {
  return new ErrorEvent('error', {
    message: failure?.message ?? 'The connection was closed abnormally.',
    error: failure,
  });
}

/**
 * The `close` event for what `ws` reported: without a close frame from the peer (`ws` says 1006)
 * the code is 1006 and the reason empty.
 */
export function closeEvent(code: number, reason: Buffer, wasClean: boolean): CloseEvent {
  const received = code !== 1006;
  return new CloseEvent('close', { wasClean, code, reason: received ? reason.toString() : '' });
}
