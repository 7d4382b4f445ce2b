import { Observable, TimeoutError as RxjsTimeoutError, type TimeoutInfo } from 'rxjs';
import { WebSocketCloseError } from './close-error.js';
import { checkCallbackOptions, markSubject, preview, registryOf, type End, type Member } from './topics.js';
import { requireEngine } from './engine-host.js';
import { describe, fail } from '../common/options.js';
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
    super({ meta: { id }, seen, lastValue }); // rxjs's constructor names it 'TimeoutError'
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

const CALLBACKS = ['match', 'idOf', 'id', 'isLast', 'until', 'isError', 'toError', 'select', 'cancel'];

/** The default correlation: a reply's `id` property. */
const idProperty = (reply: unknown): unknown => (reply !== null && typeof reply === 'object' ? (reply as { id?: unknown }).id : undefined);

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
  const o = checkCallbackOptions('request()', options, CALLBACKS, ['timeout', 'resend']);
  const timeout = options.timeout === undefined ? DEFAULT_REQUEST_TIMEOUT : options.timeout;
  if (typeof timeout !== 'number' || !(timeout > 0)) fail('request()', `'timeout' must be a number > 0 or Infinity, not ${describe(timeout)}.`);
  if (o.resend !== undefined && typeof o.resend !== 'boolean') fail('request()', "'resend' must be a boolean.");
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
    // One request in flight: its state lives in this closure, and `request` below is what the
    // registry routes replies to and announces on each connection (a Member, see topics.ts).
    /** Replies so far, and the last one (for the TimeoutError). */
    let seen = 0;
    let lastValue: unknown = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Send the cancel message when the request ends (not after its last reply, an error reply or a lost connection). */
    let cancelOnEnd = true;

    /** (Re)starts the wait for the next reply. */
    const startTimer = (): void => {
      if (timeout === Infinity) return;
      clearTimeout(timer);
      timer = setTimeout(() => finish({ error: new TimeoutError(id, timeout, seen, lastValue) }, true), timeout);
    };

    /** Ends the request (`cancelIt`: with the cancel message). */
    const finish = (end: End, cancelIt: boolean): void => {
      if (!request.live) return;
      cancelOnEnd = cancelIt;
      if (end === null) subscriber.complete();
      else subscriber.error(end.error);
      teardown(); // (already run by the subscriber's finalizer; idempotent)
    };

    /** The subscriber's finalizer: unsubscribe, completion, error or timeout. */
    const teardown = (): void => {
      if (!request.live) return;
      request.live = false;
      clearTimeout(timer);
      registry.removeRequest(request, keyOf, id);
      const cancel = options.cancel;
      if (cancel !== undefined && cancelOnEnd && request.sent && registry.attached) {
        try {
          core.sendNow(core.config.serializer(cancel(id)));
        } catch (error) {
          subscriber.error(error); // closed already: reaches rxjs's config.onStoppedNotification
        }
      }
      request.sent = false;
      registry.release();
    };

    const request: Member<Out> = {
      live: true,
      sent: false,
      deliver(reply: Out): void {
        const o = options;
        let out: R;
        let last: boolean;
        try {
          if (o.match !== undefined && !o.match(reply, id)) return;
          if (o.isError !== undefined && o.isError(reply, id)) {
            finish({ error: o.toError === undefined ? new RequestError(id, reply) : o.toError(reply, id) }, false);
            return;
          }
          if (o.until !== undefined && o.until(reply, id)) {
            finish(null, false);
            return;
          }
          out = o.select === undefined ? (reply as unknown as R) : o.select(reply, id);
          last = o.isLast !== undefined ? o.isLast(reply, id) : o.until === undefined;
        } catch (error) {
          finish({ error }, true);
          return;
        }
        seen++;
        lastValue = reply;
        if (last) cancelOnEnd = false; // answered: a subscriber leaving on this value (firstValueFrom, take(1)) cancels nothing
        subscriber.next(out);
        if (!request.live) return;
        if (last) finish(null, false);
        else startTimer();
      },
      data: () => core.config.serializer(value),
      fail: (error) => finish({ error }, false),
      lost(end: End, held: boolean): void {
        if (!request.live) return;
        const wasSent = request.sent;
        request.sent = false;
        if (held && (!wasSent || options.resend === true)) return; // goes out on the next connection
        // A request that was sent and whose reply can no longer come: a clean close by the server
        // (1000) errors it like any other close; only the client's own close just completes it.
        const lastClose = core.lastClose;
        if (end === null && wasSent && lastClose !== undefined && !lastClose.byClient) {
          const { code, reason, wasClean } = lastClose.event;
          end = {
            error: new WebSocketCloseError({
              code,
              reason,
              wasClean,
              message: `The connection closed (code ${code}) before the reply to request ${String(id)} came.`,
            }),
          };
        }
        finish(end, false);
      },
    };
    subscriber.add(teardown);
    registry.addRequest(request, keyOf, id);
    if (request.live) startTimer();
  });
  return markSubject(stream, subject);
}
