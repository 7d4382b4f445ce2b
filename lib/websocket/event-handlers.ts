// https://html.spec.whatwg.org/multipage/webappapis.html#event-handler-attributes
// An event handler attribute owns one listener, added when a handler is first set and kept in
// that place in the listener list while the handler is replaced; setting null removes it.

/** The value of an `on…` attribute. */
export type EventHandler<Target, E extends Event> = ((this: Target, event: E) => unknown) | null;

/** A handler as stored: called with the target as `this`. */
export type StoredHandler = (this: unknown, event: Event) => unknown;

/**
 * Calls `handler` for `event` as the platform calls an event handler: with `target` as `this`;
 * a handler that returns false cancels the event.
 */
export function runEventHandler(target: EventTarget, handler: StoredHandler | null | undefined, event: Event): void {
  if (handler != null && handler.call(target, event) === false) event.preventDefault();
}

/** The handler attributes of a WebSocket. */
export type HandlerType = 'open' | 'message' | 'error' | 'close';
/** Their values, made when one is first set (many sockets use listeners only). */
export type Handlers = Record<HandlerType, StoredHandler | null>;

/**
 * Sets the `type` handler attribute of `target` to `handler` (anything but a function is null),
 * adding or removing `listener`, the one listener that runs every attribute. Returns the record,
 * made on the first handler set.
 */
export function setHandlerAttribute(
  target: EventTarget,
  handlers: Handlers | undefined,
  type: HandlerType,
  handler: unknown,
  listener: (event: Event) => void,
): Handlers | undefined {
  if (typeof handler !== 'function') {
    // Anything but a function is null, and removes the attribute's listener.
    if (handlers === undefined || handlers[type] === null) return handlers;
    handlers[type] = null;
    target.removeEventListener(type, listener);
    return handlers;
  }
  const record = handlers ?? { open: null, message: null, error: null, close: null };
  const listening = record[type] !== null;
  record[type] = handler as StoredHandler;
  // A replaced handler keeps its listener's place in the list.
  if (!listening) target.addEventListener(type, listener);
  return record;
}

/** Where a socket keeps its handler attributes (an own field, undefined until one is set). */
export const kHandlerRecord = Symbol('rxws.handlers');
interface WithHandlers extends EventTarget {
  [kHandlerRecord]: Handlers | undefined;
}

// The listener of every handler attribute, for every socket and event type (a listener is called
// with its target as `this`, and the event says which attribute): `onmessage` costs no closure.
function runHandlerAttribute(this: WithHandlers, event: Event): void {
  runEventHandler(this, this[kHandlerRecord]?.[event.type as HandlerType], event);
}

function checkReceiver(target: unknown): asserts target is WithHandlers {
  if (target === null || typeof target !== 'object' || !(kHandlerRecord in target)) throw new TypeError('Illegal invocation');
}

/**
 * Defines the `onopen`, `onmessage`, `onerror` and `onclose` attributes on `prototype` (its
 * instances declare a `kHandlerRecord` field): accessors that check their receiver, as WebIDL's do.
 */
export function defineHandlerAttributes(prototype: object): void {
  for (const type of ['open', 'message', 'error', 'close'] as const) {
    Object.defineProperty(prototype, `on${type}`, {
      get(this: unknown): StoredHandler | null {
        checkReceiver(this);
        return this[kHandlerRecord]?.[type] ?? null;
      },
      set(this: unknown, handler: unknown) {
        checkReceiver(this);
        this[kHandlerRecord] = setHandlerAttribute(this, this[kHandlerRecord], type, handler, runHandlerAttribute);
      },
      enumerable: true,
      configurable: true,
    });
  }
}
