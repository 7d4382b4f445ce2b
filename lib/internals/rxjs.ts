// Every place where rxws relies on rxjs's private state, each behind one named function. A probe
// at load checks that rxjs still has the shape a function relies on and records the answer in
// `probes`; when a probe fails the function takes its fallback, which is correct (if slower or
// less capable). Tests force a fallback by setting `probes.<name> = false` (and restoring it).
//
// Layout, one section per function: the section's probe, then the function.
import { Observable, map } from 'rxjs';

/**
 * @internal What the probes found at load: `true` where rxjs still has the private shape a
 * function here relies on. Mutable so that tests can force a fallback.
 */
export const probes = {
  /** rxjs 7's `lift()` keeps the lifted-from observable on the result's `source` field. */
  liftedSource: probeLiftedSource(),
};

// ---- liftedSourceOf ---------------------------------------------------------------------------

function probeLiftedSource(): boolean {
  try {
    const origin = new Observable<never>();
    return (origin.pipe(map((x) => x)) as { source?: unknown }).source === origin;
  } catch {
    return false;
  }
}

/**
 * @internal The observable `observable` was made from by an operator (rxjs 7's `lift()` keeps it
 * in the deprecated, internal `source` field), or `undefined` if it was not made that way or rxjs
 * no longer keeps it.
 *
 * What it buys: `reconnect()` finds the subject behind `subject.pipe(map(...), filter(...))` and
 * so reconnects it as it does the subject itself (one shared schedule, `state$`/`status$`
 * reporting, the connect timeout, topics held across connections). Reading one field per operator
 * costs nothing measurable, once per `pipe(reconnect())`.
 *
 * If rxjs changes: rxjs 8 drops `lift()`, so operators no longer keep `source`; the probe then
 * fails and this returns `undefined`. `reconnect()` on `subject.pipe(map(...))` then falls back to
 * resubscribing the stream (which reconnects the subject, without state reporting, connect timeout
 * or a shared schedule); `reconnect()` applied to the subject itself, or to `multiplex()`,
 * `channel()` and `request()` streams (marked with `kSubject`), is unaffected.
 */
export function liftedSourceOf(observable: unknown): unknown {
  if (!probes.liftedSource || observable === null || typeof observable !== 'object') return undefined;
  return (observable as { source?: unknown }).source;
}
