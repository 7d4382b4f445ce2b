// The browser build's stand-ins for CloseEvent, ErrorEvent and MessageEvent, used only where the
// platform has none (Node with the `browser` condition, some test environments): events carrying
// their fields, without the WebIDL checks of rxws's Node classes (events.ts), which a browser
// bundle should not pay for.
import type { CloseEventInit, ErrorEventInit, MessageEventInit } from './events.js';

/** @internal A `close` event: `code`, `reason`, `wasClean`. */
export class FallbackCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

/** @internal An `error` event: `message`, `error`, and where (`filename`, `lineno`, `colno`). */
export class FallbackErrorEvent extends Event {
  readonly message: string;
  readonly filename: string;
  readonly lineno: number;
  readonly colno: number;
  readonly error: unknown;
  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.message = init.message ?? '';
    this.filename = init.filename ?? '';
    this.lineno = init.lineno ?? 0;
    this.colno = init.colno ?? 0;
    this.error = init.error;
  }
}

/** @internal A `message` event: `data`, `origin`, `lastEventId`, `source`, `ports`. */
export class FallbackMessageEvent<T = unknown> extends Event {
  readonly data: T;
  readonly origin: string;
  readonly lastEventId: string;
  readonly source: unknown;
  readonly ports: readonly unknown[];
  constructor(type: string, init: MessageEventInit<T> = {}) {
    super(type, init);
    this.data = init.data as T;
    this.origin = init.origin ?? '';
    this.lastEventId = init.lastEventId ?? '';
    this.source = init.source ?? null;
    this.ports = Object.freeze([...(init.ports ?? [])]);
  }
}
