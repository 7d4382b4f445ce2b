// https://html.spec.whatwg.org/multipage/webappapis.html#event-handler-attributes
// An event handler attribute owns one listener, added when a handler is first set and kept in
// that place in the listener list while the handler is replaced; setting null removes it.

/** The value of an `on…` attribute. */
export type EventHandler<Target, E extends Event> = ((this: Target, event: E) => unknown) | null;

/** One `on…` attribute of one object: its current handler and the listener that calls it. */
export class EventHandlerSlot {
  handler: ((this: unknown, event: Event) => unknown) | null = null;
  listener: ((event: Event) => void) | null = null;
}

/**
 * Sets the `type` handler of `target` through `slot`, with the platform's rules: a function
 * replaces the previous handler in place, anything else is `null` and removes the listener.
 */
export function setEventHandler(target: EventTarget, type: string, slot: EventHandlerSlot, value: unknown): void {
  if (typeof value !== 'function') {
    if (slot.listener !== null) target.removeEventListener(type, slot.listener);
    slot.listener = null;
    slot.handler = null;
    return;
  }
  slot.handler = value as (this: unknown, event: Event) => unknown;
  if (slot.listener === null) {
    const listener = (event: Event): void => {
      const handler = slot.handler;
      // A handler that returns false cancels the event, as the platform's do.
      if (handler !== null && handler.call(target, event) === false) event.preventDefault();
    };
    slot.listener = listener;
    target.addEventListener(type, listener);
  }
}
