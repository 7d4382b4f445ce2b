import { Observable, TimeoutError as RxjsTimeoutError, type Subscriber, type TimeoutInfo } from 'rxjs';
import { WebSocketCloseError } from './close-error.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import { markSubject, preview, registryOf, type End, type Member, type TopicRegistry } from './topics.js';
import { requireEngine } from './engine-host.js';
import { checkFunction, checkOptions, describe, fail } from '../common/options.js';
import type { FromSubject } from './derived.js';
import type { WebSocketSubject } from './web-socket-subject.js';

/** A request's correlation id: from the `id` option, or `'<random>-<n>'` by default. */
export type RequestId = string | number;

/** The default `timeout` of `request()`: 30 s without a reply. */
export const DEFAULT_REQUEST_TIMEOUT = 30_000;

/**
 * How `request()` correlates, times out, ends and cancels. Correlation: by default a reply
 * belongs to the request when `reply.id === id` (a map lookup, whatever the number of requests in
 * flight); `idOf` changes where the id is read, `match` replaces the lookup by a predicate (run
 * for each request in flight).
 *
 * @typeParam In what the subject sends; @typeParam Out what it receives; @typeParam R what the
 * request emits (`select`'s result).
 */
export interface RequestOptions<In, Out, R = Out> {
  /** Whether `reply` answers the request `id` (checked for every message while the request is in flight). */
  match?: (reply: Out, id: RequestId) => boolean;
  /** Where a reply carries its request's id (default: its `id` property). Share one function between requests. */
  idOf?: (reply: Out) => unknown;
  /** Milliseconds without a reply (the first, or the next for streamed responses) before the request errors with a {@link TimeoutError}. Default {@link DEFAULT_REQUEST_TIMEOUT}; `Infinity`: never. */
  timeout?: number;
  /** Makes the request's id. Default: a random prefix per subject and a counter (`'k3j9x0-1'`, `'k3j9x0-2'`, ...). */
  id?: () => RequestId;
  /** Streamed responses: the reply for which this is true is emitted, then the request completes. */
  isLast?: (reply: Out, id: RequestId) => boolean;
  /** Streamed responses: the reply for which this is true completes the request without being emitted (a terminator). */
  until?: (reply: Out, id: RequestId) => boolean;
  /** An error reply: the request errors with `toError(reply)` (default a {@link RequestError}). */
  isError?: (reply: Out, id: RequestId) => boolean;
  /** The error an error reply (see `isError`) becomes. Default: a {@link RequestError} with the id and the reply. */
  toError?: (reply: Out, id: RequestId) => unknown;
  /** What the request emits for a reply. Default: the reply. */
  select?: (reply: Out, id: RequestId) => R;
  /** The message that cancels the request on the server, sent when it is unsubscribed from (or times out) before its last reply, if it was sent on the connection that is still open. */
  cancel?: (id: RequestId) => In;
  /**
   * When the connection drops with the request in flight: `false` (default), it errors with the
   * close cause (the {@link WebSocketCloseError}); `true`, it is sent again on the next
   * connection a `reconnect()` brings (after the handshake and the topics' re-subscriptions,
   * before the queue), with the same id and message.
   */
  resend?: boolean;
}

/**
 * A request got no reply in time. `instanceof` rxjs's `TimeoutError` too (`name` is
 * `'TimeoutError'`), with `info: { meta: { id }, lastValue, seen }` as rxjs's `timeout()` gives.
 *
 * @example
 * request(rpc$, { id: 7, method: 'status' }, { timeout: 5000 }).subscribe({
 *   error: (e) => e instanceof TimeoutError && console.warn(`request ${e.id}: no reply in ${e.timeout} ms`),
 * });
 */
export class TimeoutError extends (RxjsTimeoutError as new (
  info?: TimeoutInfo<unknown, { id: RequestId }>,
) => RxjsTimeoutError<
  unknown,
  {
    /** The request's id (also on the error itself). */
    id: RequestId;
  }
>) {
  /** The request's id. */
  readonly id: RequestId;
  /** The timeout, in ms. */
  readonly timeout: number;

  constructor(id: RequestId, timeout: number, seen: number, lastValue: unknown) {
    super({ meta: { id }, seen, lastValue });
    this.name = 'TimeoutError';
    this.message =
      seen === 0 ? `Request ${String(id)} got no reply within ${timeout} ms.` : `Request ${String(id)} got no further reply within ${timeout} ms (after ${seen}).`;
    this.id = id;
    this.timeout = timeout;
  }
}

/**
 * An error reply (one that `isError` recognised, without `toError`).
 *
 * @example
 * request(rpc$, call, { isError: (r) => r.error !== undefined }).subscribe({
 *   error: (e) => e instanceof RequestError && showError(e.reply),
 * });
 */
export class RequestError extends Error {
  /** The request's id. */
  readonly id: RequestId;
  /** The error reply. */
  readonly reply: unknown;

  constructor(id: RequestId, reply: unknown) {
    super(`Request ${String(id)} failed: ${preview(reply)}`);
    this.name = 'RequestError';
    this.id = id;
    this.reply = reply;
  }
}

const FUNCTION_KEYS = ['match', 'idOf', 'id', 'isLast', 'until', 'isError', 'toError', 'select', 'cancel'];
const OPTION_KEYS = [...FUNCTION_KEYS, 'timeout', 'resend'];

/** The default correlation: a reply's `id` property. */
const idProperty = (reply: unknown): unknown => (reply !== null && typeof reply === 'object' ? (reply as { id?: unknown }).id : undefined);

class PendingRequest<In, Out, R> implements Member<Out> {
  readonly registry: TopicRegistry<In, Out>;
  readonly subscriber: Subscriber<R>;
  readonly id: RequestId;
  readonly message: In;
  readonly options: RequestOptions<In, Out, R>;
  readonly keyOf: ((reply: Out) => unknown) | undefined;
  readonly timeout: number;
  live = true;
  sent = false;
  /** Send the cancel message when the request ends (not after its last reply, an error reply or a lost connection). */
  cancelOnEnd = true;
  seen = 0;
  lastValue: unknown = null;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    registry: TopicRegistry<In, Out>,
    subscriber: Subscriber<R>,
    id: RequestId,
    message: In,
    options: RequestOptions<In, Out, R>,
    keyOf: ((reply: Out) => unknown) | undefined,
    timeout: number,
  ) {
    this.registry = registry;
    this.subscriber = subscriber;
    this.id = id;
    this.message = message;
    this.options = options;
    this.keyOf = keyOf;
    this.timeout = timeout;
  }

  deliver(reply: Out): void {
    const o = this.options;
    const id = this.id;
    let value: R;
    let last: boolean;
    try {
      if (o.match !== undefined && !o.match(reply, id)) return;
      if (o.isError !== undefined && o.isError(reply, id)) {
        this.finish({ error: o.toError === undefined ? new RequestError(id, reply) : o.toError(reply, id) }, false);
        return;
      }
      if (o.until !== undefined && o.until(reply, id)) {
        this.finish(null, false);
        return;
      }
      value = o.select === undefined ? (reply as unknown as R) : o.select(reply, id);
      last = o.isLast !== undefined ? o.isLast(reply, id) : o.until === undefined;
    } catch (error) {
      this.finish({ error }, true);
      return;
    }
    this.seen++;
    this.lastValue = reply;
    if (last) this.cancelOnEnd = false; // answered: a subscriber leaving on this value (firstValueFrom, take(1)) cancels nothing
    this.subscriber.next(value);
    if (!this.live) return;
    if (last) this.finish(null, false);
    else this.startTimer();
  }

  startTimer(): void {
    if (this.timeout === Infinity) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.finish({ error: new TimeoutError(this.id, this.timeout, this.seen, this.lastValue) }, true);
    }, this.timeout);
  }

  data(): WebSocketMessage {
    return this.registry.core.config.serializer(this.message);
  }

  fail(error: unknown): void {
    this.finish({ error }, false);
  }

  lost(end: End, held: boolean): void {
    if (!this.live) return;
    const wasSent = this.sent;
    this.sent = false;
    if (held && (!wasSent || this.options.resend === true)) return; // goes out on the next connection
    // A request that was sent and whose reply can no longer come: a clean close by the server
    // (1000) errors it like any other close; only the client's own close just completes it.
    const last = this.registry.core.lastClose;
    if (end === null && wasSent && last !== undefined && !last.byClient) {
      const { code, reason, wasClean } = last.event;
      end = {
        error: new WebSocketCloseError({
          code,
          reason,
          wasClean,
          message: `The connection closed (code ${code}) before the reply to request ${String(this.id)} came.`,
        }),
      };
    }
    this.finish(end, false);
  }

  finish(end: End, cancel: boolean): void {
    if (!this.live) return;
    this.cancelOnEnd = cancel;
    if (end === null) this.subscriber.complete();
    else this.subscriber.error(end.error);
    this.teardown(); // (already run by the subscriber's finalizer; idempotent)
  }

  /** The subscriber's finalizer: unsubscribe, completion, error or timeout. */
  teardown(): void {
    if (!this.live) return;
    this.live = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const registry = this.registry;
    registry.removeRequest(this, this.keyOf, this.id);
    const cancel = this.options.cancel;
    if (cancel !== undefined && this.cancelOnEnd && this.sent && registry.attached) {
      try {
        registry.core.sendNow(registry.core.config.serializer(cancel(this.id)));
      } catch (error) {
        this.subscriber.error(error); // closed already: reaches rxjs's config.onStoppedNotification
      }
    }
    this.sent = false;
    registry.release();
  }
}

/**
 * Sends one message on `subject` and emits its reply (or its replies until the last one, for
 * streamed responses). `message` may be a function of the request's id. Correlation: by default a
 * reply whose `id` equals the request's; see {@link RequestOptions} for `match`, `idOf`,
 * `timeout` (a {@link TimeoutError}), streaming (`isLast`, `until`), `cancel` and `resend`.
 * Unsubscribing cancels. See docs/multiplex.md.
 *
 * @example
 * import { webSocket, request } from 'rxws';
 *
 * const rpc$ = webSocket<Call, Reply>(url);
 * request(rpc$, (id) => ({ id, method: 'sum', params: [1, 2] }), { timeout: 5000 }).subscribe((reply) => show(reply));
 */
export function request<In, Out, R = Out>(subject: WebSocketSubject<In, Out>, message: FromSubject<(id: RequestId) => In>, options?: RequestOptions<FromSubject<In>, FromSubject<Out>, R>): Observable<R>;
/**
 * Sends `message` on `subject` and emits its reply (see the form with a function of the id).
 *
 * @example
 * request(rpc$, { id: 7, method: 'status' }).subscribe((reply) => show(reply));
 */
export function request<In, Out, R = Out>(subject: WebSocketSubject<In, Out>, message: FromSubject<In>, options?: RequestOptions<FromSubject<In>, FromSubject<Out>, R>): Observable<R>;
export function request<In, Out, R = Out>(subject: WebSocketSubject<In, Out>, message: In | ((id: RequestId) => In), options: RequestOptions<In, Out, R> = {}): Observable<R> {
  const core = requireEngine<In, Out>(subject, 'request()');
  const o = checkOptions('request()', options, 'options', OPTION_KEYS);
  for (const name of FUNCTION_KEYS) checkFunction('request()', o[name], name);
  const timeout = options.timeout === undefined ? DEFAULT_REQUEST_TIMEOUT : options.timeout;
  if (typeof timeout !== 'number' || !(timeout > 0)) fail('request()', `'timeout' must be a number of milliseconds > 0, or Infinity, not ${describe(timeout)}.`);
  if (o.resend !== undefined && typeof o.resend !== 'boolean') fail('request()', `'resend' must be a boolean, not ${describe(o.resend)}.`);
  const keyOf = options.idOf ?? (options.match === undefined ? (idProperty as (reply: Out) => unknown) : undefined);
  const stream = new Observable<R>((subscriber) => {
    const registry = registryOf(core, subject);
    let id: RequestId;
    let value: In;
    try {
      id = options.id === undefined ? `${registry.idPrefix}-${++registry.idCounter}` : options.id();
      value = typeof message === 'function' ? (message as (id: RequestId) => In)(id) : message;
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const request = new PendingRequest<In, Out, R>(registry, subscriber, id, value, options, keyOf, timeout);
    subscriber.add(() => request.teardown());
    registry.addRequest(request, keyOf, id);
    if (request.live) request.startTimer();
  });
  return markSubject(stream, subject);
}
