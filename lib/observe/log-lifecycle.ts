// logLifecycle(): a subject's lifecycle events to a function, in browsers and on Node. Chained to
// the engine's tracer (on Node the diagnostics_channel one), so the engine itself carries only
// one optional call per event, and an app pays for the events' builder only when it imports this.
import { checkFunction } from '../common/options.js';
import { reportUnhandledError } from '../common/report-unhandled.js';
import { requireEngine } from '../subject/engine-host.js';
import { lifecycleEvent, note, type LifecycleLog, type Tracer } from '../subject/lifecycle.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';

/**
 * Calls `log` with every lifecycle event of `subject`'s connections from now on: `connect`,
 * `open` (protocol, extensions, handshake time), `close` (code, reason, wasClean, who closed),
 * `error` (cause), `reconnect` (attempt, delay, reason: from `reconnect()`) and `drop` (what
 * goes to `dropped$`), each with the connection's `id` (unique in the process; a reconnect is a
 * new connection with a new `id`) and `url`. The same events as the `rxws:*` diagnostics
 * channels on Node, in browsers too (docs/observability.md). A throw from `log` is reported as
 * rxjs reports unhandled errors. Returns the function that stops it. Bundled only when imported.
 *
 * @throws TypeError if `subject` is not a `WebSocketSubject` or `log` is not a function.
 *
 * @example
 * import { webSocket, reconnect } from 'rxws';
 * import { logLifecycle } from 'rxws/observe';
 *
 * const feed$ = webSocket<Update>(url);
 * const stop = logLifecycle(feed$, (event) => console.debug(`[ws #${event.id}]`, event.type, event));
 * feed$.pipe(reconnect()).subscribe(render);
 */
export function logLifecycle(subject: WebSocketSubject<never, unknown>, log: LifecycleLog): () => void {
  const engine = requireEngine(subject, 'logLifecycle()');
  checkFunction('logLifecycle()', log, 'log');
  const previous = engine.tracer;
  let logging = true;
  const tracer: Tracer = function (type, detail, connection) {
    previous?.call(this, type, detail, connection);
    if (!logging) return;
    note(this, type, connection, detail);
    try {
      log(lifecycleEvent(this, type, connection, detail));
    } catch (error) {
      reportUnhandledError(error);
    }
  };
  engine.tracer = tracer;
  return () => {
    logging = false;
    if (engine.tracer === tracer) engine.tracer = previous; // (else a later one chains to it: it only passes events on)
  };
}
