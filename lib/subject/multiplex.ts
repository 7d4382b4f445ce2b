import { Observable } from 'rxjs';
import type { ConnectionState } from './connection-state.js';

/** What {@link multiplexStream} needs from its subject. */
export interface MultiplexHost<In, Out> {
  next(value: In): void;
  subscribe(observer: { next: (value: Out) => void; error: (error: unknown) => void; complete: () => void }): { unsubscribe(): void };
  readonly state: ConnectionState;
}

/**
 * rxjs-compatible `multiplex`: on each subscription, sends `subMsg()` and listens to the parent
 * through `messageFilter`; on teardown, sends `unsubMsg()` and leaves. Two fixes over rxjs 7:
 * `unsubMsg()` is not sent when the connection has already ended (it would only be queued for a
 * later connection the server never subscribed on), and a throwing `subMsg` ends the stream
 * without subscribing or sending `unsubMsg`.
 */
export function multiplexStream<In, Out>(
  host: MultiplexHost<In, Out>,
  subMsg: () => In,
  unsubMsg: () => In,
  messageFilter: (value: Out) => boolean,
): Observable<Out> {
  return new Observable<Out>((observer) => {
    try {
      host.next(subMsg());
    } catch (error) {
      observer.error(error);
      return;
    }
    let ended = false;
    const subscription = host.subscribe({
      next: (value) => {
        let selected: boolean;
        try {
          selected = messageFilter(value);
        } catch (error) {
          observer.error(error);
          return;
        }
        if (selected) observer.next(value);
      },
      error: (error) => {
        ended = true;
        observer.error(error);
      },
      complete: () => {
        ended = true;
        observer.complete();
      },
    });
    return () => {
      const state = host.state;
      if (!ended && (state === 'open' || state === 'connecting')) {
        try {
          host.next(unsubMsg());
        } catch (error) {
          // The subscriber is already closed: rxjs routes this to config.onStoppedNotification.
          observer.error(error);
        }
      }
      subscription.unsubscribe();
    };
  });
}
