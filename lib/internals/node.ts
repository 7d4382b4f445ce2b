// Every read or write of Node's private state made by rxws, behind one door (see
// docs/architecture.md, "lib/internals/"). Each reach has a probe, run once at load against a real
// instance, and a correct fallback taken when the probe fails (another Node version, another
// runtime) or when a test sets its flag in `probes` to false.
import { EventEmitter } from 'node:events';

/**
 * What the probes found at load: `true` where Node's private state behaves as rxws expects.
 * Tests set a flag to `false` (and restore it) to run the fallback.
 */
export const probes = {
  /** `EventEmitter#_eventsCount` counts the listeners of every type. */
  eventsCount: false,
  /**
   * EventTarget's per-instance `kEvents`/`kHandlers` maps can be shared by sockets without
   * listeners, and a first listener, added through any route, gets a map of its own.
   */
  eventTargetMaps: false,
  /** EventTarget's listener map counts each type's listeners (`size` of the type's list). */
  listenerCount: false,
};

// --- EventEmitter#_eventsCount -------------------------------------------------------------------

type CountedEmitter = EventEmitter & { _eventsCount?: unknown };

function probeEventsCount(): boolean {
  try {
    const emitter = new EventEmitter() as CountedEmitter;
    if (emitter._eventsCount !== 0) return false;
    const listener = (): void => {};
    emitter.on('x', listener);
    const one = (emitter as CountedEmitter)._eventsCount === 1;
    emitter.off('x', listener);
    return one && (emitter as CountedEmitter)._eventsCount === 0;
  } catch {
    return false;
  }
}
probes.eventsCount = probeEventsCount();

/**
 * Whether `emitter` has a listener for `type`. Buys: on a socket with no listeners at all (the
 * usual case) one field read instead of `listenerCount()`'s lookup, on every message `ws` reports
 * (too little for the benchmark to resolve; kept because it costs nothing). If Node renames or
 * drops `_eventsCount`, the probe fails and `listenerCount()` answers alone: same result.
 */
export function hasListeners(emitter: EventEmitter, type: string | symbol): boolean {
  if (probes.eventsCount && (emitter as CountedEmitter)._eventsCount === 0) return false;
  return emitter.listenerCount(type) !== 0;
}

// --- EventTarget's kEvents/kHandlers maps --------------------------------------------------------
// Node's EventTarget gives every instance two maps before any listener exists: kEvents (its
// listeners) and kHandlers (the state of Node's own `on…` attribute helpers), ≈ 370 B together,
// the largest single cost of an idle rxws WebSocket. rxws keeps its handler attributes itself, so
// kHandlers is never written: sockets share one empty map. Sockets without listeners share one
// empty kEvents map too, which dispatchEvent and removeEventListener only read. Node's
// addEventListener writes to it only for the first listener of a type, right after calling
// `this[kNewListener]()`: the class overrides that method to give the target a map of its own
// first, so a listener lands in the target's own map whatever route added it (the instance's
// method, `EventTarget.prototype.addEventListener.call(socket, …)`, `events.once`, …).
// Node does not export these symbols: they are found by their descriptions, and used only if a
// probe shows the whole scheme working, the route that bypasses the class included.

interface MapLike {
  readonly size: number;
  get(key: unknown): unknown;
  set(key: unknown, value: unknown): unknown;
}
type Slots = Record<symbol, unknown>;
interface EventTargetInternals {
  events: symbol;
  handlers: symbol;
  newListener: symbol;
  sharedEvents: MapLike;
  sharedHandlers: MapLike;
  MapType: new () => MapLike;
}

function symbolNamed(symbols: symbol[], description: string): symbol | undefined {
  return symbols.find((key) => key.description === description);
}

function isEmptyMap(map: unknown): map is MapLike {
  const m = map as MapLike | null | undefined;
  return m !== undefined && m !== null && typeof m.get === 'function' && typeof m.set === 'function' && m.size === 0;
}

function ownListenerMap(target: object, found: EventTargetInternals): void {
  const slots = target as Slots;
  if (slots[found.events] === found.sharedEvents) slots[found.events] = new found.MapType();
}

function findEventTargetInternals(): EventTargetInternals | undefined {
  if (typeof EventTarget !== 'function') return undefined;
  const instance = new EventTarget() as unknown as Slots;
  const own = Object.getOwnPropertySymbols(instance);
  const events = symbolNamed(own, 'kEvents');
  const handlers = symbolNamed(own, 'kHandlers');
  const newListener = symbolNamed(Object.getOwnPropertySymbols(EventTarget.prototype), 'kNewListener');
  if (events === undefined || handlers === undefined || newListener === undefined) return undefined;
  const map = instance[events];
  if (!isEmptyMap(map) || !isEmptyMap(instance[handlers])) return undefined;
  if (typeof (EventTarget.prototype as unknown as Slots)[newListener] !== 'function') return undefined;
  const MapType = map.constructor as new () => MapLike;
  return { events, handlers, newListener, sharedEvents: new MapType(), sharedHandlers: new MapType(), MapType };
}

// Runs the scheme on two probe targets: reads while shared, then a listener added through
// EventTarget.prototype.addEventListener (bypassing any override of the method) must reach its
// own target only, and leave the shared maps empty.
function schemeHolds(found: EventTargetInternals): boolean {
  class Probe extends EventTarget {}
  installHook(Probe.prototype, found);
  const a = new Probe();
  const b = new Probe();
  share(a, found);
  share(b, found);
  a.dispatchEvent(new Event('x'));
  a.removeEventListener('x', () => {});
  let heardA = 0;
  let heardB = 0;
  EventTarget.prototype.addEventListener.call(a, 'x', () => heardA++);
  b.dispatchEvent(new Event('x'));
  a.dispatchEvent(new Event('x'));
  b.addEventListener('x', () => heardB++);
  b.dispatchEvent(new Event('x'));
  return heardA === 1 && heardB === 1 && found.sharedEvents.size === 0 && found.sharedHandlers.size === 0;
}

function share(target: object, found: EventTargetInternals): void {
  (target as Slots)[found.events] = found.sharedEvents;
  (target as Slots)[found.handlers] = found.sharedHandlers;
}

function installHook(prototype: object, found: EventTargetInternals): void {
  const base = (EventTarget.prototype as unknown as Slots)[found.newListener] as (...args: unknown[]) => unknown;
  Object.defineProperty(prototype, found.newListener, {
    value: function newListener(this: EventTarget, ...args: unknown[]): unknown {
      ownListenerMap(this, found);
      return base.apply(this, args);
    },
    writable: true,
    configurable: true,
  });
}

function probeEventTargetMaps(): EventTargetInternals | undefined {
  try {
    const found = findEventTargetInternals();
    return found !== undefined && schemeHolds(found) ? found : undefined;
  } catch {
    return undefined;
  }
}
const eventTargetInternals = probeEventTargetMaps();
probes.eventTargetMaps = eventTargetInternals !== undefined;

/**
 * Prepares a class whose instances call {@link shareEventTargetMaps}: its first listener of each
 * type, however added, gets the instance a listener map of its own. Call once, on the prototype.
 */
export function leanEventTargetClass(prototype: EventTarget): void {
  if (eventTargetInternals !== undefined) installHook(prototype, eventTargetInternals);
}

/**
 * Called by a constructor right after `super()`, on a class prepared by
 * {@link leanEventTargetClass}: the instance shares Node's two empty maps until its first
 * listener. Buys Node's two maps (≈ 370 B) per socket without listeners, and the kHandlers map
 * on every socket: with an `onmessage` handler set, 5,850 B/connection against 6,040 with the
 * fallback forced (client and server sockets measured together in one process, 2,000 of them).
 * If Node changes its EventTarget (names, map type, or where addEventListener writes), the probe
 * fails and every instance keeps the maps Node gave it: correct, those bytes back.
 */
export function shareEventTargetMaps(target: EventTarget): void {
  if (eventTargetInternals !== undefined && probes.eventTargetMaps) share(target, eventTargetInternals);
}

// --- Whether an EventTarget has listeners of a type ---------------------------------------------
// Node's kEvents map holds, per type, a list root whose `size` counts its listeners (it stays in
// the map, with size 0, after the last one is removed). A socket sharing the empty map (above)
// has none at all.

/** Whether the scheme below was seen to hold (see {@link mayHaveListeners}). */
function probeListenerCount(found: EventTargetInternals): boolean {
  class Probe extends EventTarget {}
  installHook(Probe.prototype, found);
  const target = new Probe();
  share(target, found);
  const none = !countedListeners(target, 'x', found);
  const listener = (): void => {};
  target.addEventListener('x', listener);
  const one = countedListeners(target, 'x', found) && !countedListeners(target, 'y', found);
  target.removeEventListener('x', listener);
  EventTarget.prototype.addEventListener.call(target, 'y', listener, { once: true });
  const again = !countedListeners(target, 'x', found) && countedListeners(target, 'y', found);
  target.dispatchEvent(new Event('y'));
  return none && one && again && !countedListeners(target, 'y', found);
}

function countedListeners(target: object, type: string, found: EventTargetInternals): boolean {
  const map = (target as Slots)[found.events] as MapLike;
  if (map === found.sharedEvents) return false;
  const root = map.get(type) as { size?: unknown } | undefined;
  if (root === undefined) return false;
  if (typeof root.size !== 'number') throw new TypeError('no listener count'); // (the probe fails)
  return root.size > 0;
}

const listenerCountHolds = ((): boolean => {
  try {
    return eventTargetInternals !== undefined && probeListenerCount(eventTargetInternals);
  } catch {
    return false;
  }
})();
probes.listenerCount = listenerCountHolds;

/**
 * Whether `target` (of a class prepared by {@link leanEventTargetClass}) may have a listener of
 * `type`: false only when Node's listener map says it has none. Lets rxws's socket hand a
 * message to its event sink without making and dispatching an event nobody else would hear
 * (a resumable session's frames: the sink makes the one event the application sees). If Node
 * changes its EventTarget, the probe fails and the answer is always true: the event is made and
 * dispatched, as before.
 */
export function mayHaveListeners(target: EventTarget, type: string): boolean {
  const found = eventTargetInternals;
  if (found === undefined || !probes.eventTargetMaps || !probes.listenerCount) return true;
  return countedListeners(target, type, found);
}
