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
