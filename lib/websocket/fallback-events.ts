// The browser build's stand-ins for CloseEvent, ErrorEvent and MessageEvent, used only where the
// platform has none (Node with the `browser` condition, some test environments): events carrying
// their fields, without the WebIDL checks of rxws's Node classes (events.ts), which a browser
// bundle should not pay for. Each is made from a table of its fields and their defaults.

/** A stand-in event class: an `Event` with the fields of `defaults`, each from the init or its default. */
type FallbackEventClass<Fields> = new (type: string, init?: EventInit & Partial<Fields>) => Event & Readonly<Fields>;

/**
 * An `Event` subclass whose constructor copies each field of `defaults` from the init dictionary
 * (a missing or null member takes the default; a member without one, such as `data`, is kept as
 * given, null included). Pure: a bundle that never uses a class leaves it out.
 */
function eventClass<Fields extends object>(defaults: Fields): FallbackEventClass<Fields> {
  return class extends Event {
    constructor(type: string, init: Record<string, unknown> = {}) {
      super(type, init);
      for (const field in defaults) {
        (this as Record<string, unknown>)[field] = init[field] ?? (defaults as Record<string, unknown>)[field] ?? init[field];
      }
    }
  } as unknown as FallbackEventClass<Fields>;
}

/** @internal A `close` event: `code`, `reason`, `wasClean`. */
export const FallbackCloseEvent = /* @__PURE__ */ eventClass({ code: 0, reason: '', wasClean: false });

/** @internal An `error` event: `message`, `error`, and where (`filename`, `lineno`, `colno`). */
export const FallbackErrorEvent = /* @__PURE__ */ eventClass({ message: '', filename: '', lineno: 0, colno: 0, error: undefined as unknown });

const MessageEventBase = /* @__PURE__ */ eventClass({ data: undefined as unknown, origin: '', lastEventId: '', source: null as unknown, ports: [] as readonly unknown[] });

/** @internal A `message` event: `data`, `origin`, `lastEventId`, `source`, and a frozen copy of `ports`. */
export const FallbackMessageEvent = /* @__PURE__ */ (() =>
  class extends MessageEventBase {
    constructor(type: string, init?: ConstructorParameters<typeof MessageEventBase>[1]) {
      super(type, init);
      (this as { ports: readonly unknown[] }).ports = Object.freeze([...this.ports]);
    }
  })();
