// A request and its reply over a shared connection: the id names this tab, so the reply that
// every tab receives matches in the requesting tab only.
import { Observable, timeout as timeoutAfter, type Observer, type Subscribable } from 'rxjs';

/** What {@link SharedWebSocket.request} takes beside the message. */
export interface SharedRequestOptions<Out> {
  /** A reply's id, to match it with its request (default: its `id` property). */
  idOf?: (reply: Out) => unknown;
  /** How long to wait for the reply, in ms (default 10 000; `Infinity`: no limit). Then an rxjs `TimeoutError`. */
  timeout?: number;
}

/** This tab's prefix of request ids: unique among tabs (random), then a counter. */
const tabPrefix = globalThis.crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(36).slice(2, 10);
let counter = 0;

/** @internal The request on any subject-like: sends `message(id)`, emits the first reply with that id and completes. */
export function requestReply<In, Out>(
  subject: Subscribable<Out> & Pick<Observer<In>, 'next'>,
  message: (id: string) => In,
  options: SharedRequestOptions<Out> = {},
): Observable<Out> {
  if (typeof message !== 'function') throw new TypeError('request() takes a function of the request id: (id) => message.');
  const idOf = options.idOf ?? ((reply: Out) => (reply as { id?: unknown } | null)?.id);
  const ms = options.timeout ?? 10_000;
  if (typeof ms !== 'number' || !(ms > 0)) throw new TypeError("request(): 'timeout' must be a number > 0 or Infinity.");
  const reply = new Observable<Out>((subscriber) => {
    const id = `${tabPrefix}-${++counter}`;
    const subscription = subject.subscribe({
      next: (value) => {
        let matches: boolean;
        try {
          matches = idOf(value) === id;
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (!matches) return;
        subscriber.next(value);
        subscriber.complete();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    try {
      subject.next(message(id));
    } catch (error) {
      subscriber.error(error);
    }
    return () => subscription.unsubscribe();
  });
  return ms === Infinity ? reply : reply.pipe(timeoutAfter({ first: ms }));
}
