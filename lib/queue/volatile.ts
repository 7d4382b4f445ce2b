// Volatile messages: sent only if the connection is open and writable now, never queued.
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import { requireEngine } from '../subject/engine-host.js';
import { OPEN } from '../subject/connection.js';

/** What {@link volatile} returns: an observer (`source.subscribe(volatile(subject))`). */
export interface VolatileSender<In> {
  /** Sends `value` if the connection is open and writable now; otherwise reports it on `dropped$` (reason `'volatile'`). */
  next(value: In): void;
}

/**
 * The sending side of `subject` for volatile messages (socket.io's volatile events): each
 * `next(value)` is sent only if the connection is open, ready and writable **now** (nothing
 * waits in the outbound queue, the send gate is open); otherwise it is dropped and reported on
 * `dropped$` with reason `'volatile'`. Never queued, never replayed after a reconnect (with a
 * resumable session, it goes outside the session's sequence). For values that are worthless a
 * moment later: a cursor position, a typing indicator, a live sample. The equivalent of
 * `subject.next(value, { volatile: true })`. Bundled only when imported.
 *
 * @throws TypeError if `subject` is not a `WebSocketSubject`; `next()` throws what the serializer
 * or `send()` throws.
 *
 * @example
 * import { webSocket, volatile } from 'rxws';
 *
 * const board$ = webSocket<BoardEvent>(url);
 * pointerMoves$.pipe(map(({ x, y }) => ({ type: 'cursor', x, y }))).subscribe(volatile(board$));
 * volatile(board$).next({ type: 'typing' }); // or one at a time
 */
export function volatile<In>(subject: WebSocketSubject<In, unknown>): VolatileSender<In> {
  const engine = requireEngine<In, unknown>(subject, 'volatile()');
  return {
    next(value: In): void {
      const data = engine.config.serializer(value);
      const socket = engine.openSocket;
      if (socket !== null && engine.queued === 0 && !engine.gated && socket.readyState === OPEN && engine.sendDirect(socket, data)) {
        engine.gate?.written(socket);
        return;
      }
      engine.reportDrop({ data, reason: 'volatile' });
    },
  };
}
