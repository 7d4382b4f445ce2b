import type { WebSocketSubjectConfig } from './config.js';
import { WebSocketSubject } from './web-socket-subject.js';

/**
 * Makes a {@link WebSocketSubject}: a drop-in for `rxjs/webSocket`'s `webSocket()`, which it
 * accepts every argument of, plus rxws's options. Nothing connects until the first subscriber.
 *
 * @param urlConfigOrSource the endpoint, or a {@link WebSocketSubjectConfig}.
 * @throws TypeError for a bad config (naming the option).
 *
 * @example
 * import { webSocket } from 'rxws';
 *
 * const subject = webSocket('ws://localhost:8081');
 * subject.subscribe({
 *   next: (msg) => console.log('message received: ' + msg),
 *   error: (err) => console.log(err),        // a WebSocketCloseError: code, reason, wasClean
 *   complete: () => console.log('complete'), // our own close, or the server's clean 1000
 * });
 * subject.next({ message: 'some message' });
 */
export function webSocket<In, Out = In>(urlConfigOrSource: string | URL | WebSocketSubjectConfig<In, Out>): WebSocketSubject<In, Out> {
  return new WebSocketSubject<In, Out>(urlConfigOrSource);
}
