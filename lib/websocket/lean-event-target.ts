// Node's EventTarget gives every instance two maps before any listener exists: kEvents (its
// listeners) and kHandlers (the state of Node's own `on…` attribute helpers), ≈ 370 B together,
// the largest single cost of an idle rxws WebSocket. rxws keeps its handler attributes itself, so
// kHandlers is never written: every socket shares one empty map. kEvents is made when the first
// listener is added (see `ensureListenerMap`); until then a shared empty map answers the lookups of
// dispatchEvent and removeEventListener, which never write to a map that has no entry. A socket
// the subject drives through its event sink never gets a map of its own.
//
// Node does not export these symbols: they are found by their descriptions on a probe instance,
// and used only if the probe behaves as expected. Otherwise (another Node version, another
// runtime) nothing is shared and every instance keeps its own maps, as before.

interface MapLike {
  readonly size: number;
  get(key: unknown): unknown;
  set(key: unknown, value: unknown): unknown;
}
type Internals = { events: symbol; handlers: symbol; sharedEvents: MapLike; sharedHandlers: MapLike; MapType: new () => MapLike };
type Slots = Record<symbol, MapLike>;

function findInternals(): Internals | undefined {
  try {
    const probe = new EventTarget() as unknown as Slots;
    let events: symbol | undefined;
    let handlers: symbol | undefined;
    for (const key of Object.getOwnPropertySymbols(probe)) {
      if (key.description === 'kEvents') events = key;
      else if (key.description === 'kHandlers') handlers = key;
    }
    if (events === undefined || handlers === undefined) return undefined;
    const map = probe[events];
    const handlerMap = probe[handlers];
    const isEmptyMap = (m: MapLike | undefined): boolean =>
      m !== undefined && m !== null && typeof m.get === 'function' && typeof m.set === 'function' && m.size === 0;
    if (!isEmptyMap(map) || !isEmptyMap(handlerMap)) return undefined;
    const MapType = map!.constructor as new () => MapLike;
    const internals: Internals = { events, handlers, sharedEvents: new MapType(), sharedHandlers: new MapType(), MapType };
    // Check the scheme on a second probe: sharing, dispatching, then listening for real.
    const check = new EventTarget() as unknown as Slots & EventTarget;
    shareListenerMaps(check, internals);
    check.dispatchEvent(new Event('x'));
    check.removeEventListener('x', () => {});
    let heard = 0;
    ensureListenerMap(check, internals);
    check.addEventListener('x', () => heard++);
    check.dispatchEvent(new Event('x'));
    if (heard !== 1 || internals.sharedEvents.size !== 0 || internals.sharedHandlers.size !== 0) return undefined;
    return internals;
  } catch {
    return undefined;
  }
}

function shareListenerMaps(target: object, internals: Internals): void {
  (target as Slots)[internals.events] = internals.sharedEvents;
  (target as Slots)[internals.handlers] = internals.sharedHandlers;
}

function ensureListenerMap(target: object, internals: Internals): void {
  const slots = target as Slots;
  if (slots[internals.events] === internals.sharedEvents) slots[internals.events] = new internals.MapType();
}

const internals = typeof EventTarget === 'function' ? findInternals() : undefined;

/** Called by a constructor right after `super()`: the target shares Node's empty maps. */
export function shareEventTargetMaps(target: EventTarget): void {
  if (internals !== undefined) shareListenerMaps(target, internals);
}

/** Called before a listener is added: gives the target a listener map of its own. */
export function ownEventTargetMap(target: EventTarget): void {
  if (internals !== undefined) ensureListenerMap(target, internals);
}

/** Whether the maps are shared on this runtime (for tests). */
export const sharesEventTargetMaps: boolean = internals !== undefined;
