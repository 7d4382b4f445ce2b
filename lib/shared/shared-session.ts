// sharedSession(): a resumable session for sharedWebSocket(), its code bundled only when imported.
import type { SessionOption } from '../subject/features.js';
import { LeaderSession } from './leader-session.js';
import { TabSession } from './tab-session.js';
import type { SharedSession } from './session-parts.js';

/**
 * Makes `resumable()` (rxws/session) the `session` of a `sharedWebSocket()` (rxws/shared): the shared
 * connection is one resumable session that survives leader hand-overs; nothing is lost or
 * repeated in either direction (a crashed leader tab's own unacknowledged messages excepted).
 * `session$` on the shared subject tells `new`, `resumed`, and `lost` with each tab's own
 * messages. The server must speak `rxws.session.v1` (`acceptSessions()` in rxws/node). See
 * docs/shared.md, "Sessions". A bare `session: resumable()` loads the same code on demand (a
 * chunk of its own in the app's bundle); `sharedSession()` bundles it up front, and is what a
 * SharedWorker script gives `serveSharedWebSockets({ session })`.
 *
 * @param session what `resumable()` made.
 * @throws TypeError when `session` is not what `resumable()` makes.
 *
 * @example
 * import { sharedWebSocket } from 'rxws/shared';
 * import { sharedSession } from 'rxws/shared/session';
 * import { resumable } from 'rxws/session';
 *
 * const orders = sharedWebSocket<Order, Fill>({ url, name: 'orders', session: sharedSession(resumable()) });
 * orders.subscribe(book);   // every fill exactly once, in order, in every tab, across hand-overs
 * orders.next(order);       // reaches the server exactly once, even if the leader tab closes now
 */
export function sharedSession(session: SessionOption): SharedSession {
  if (typeof (session as Partial<SessionOption> | undefined)?.create !== 'function') throw new TypeError('sharedSession() takes what resumable() (rxws/session) makes.');
  return {
    option: session,
    leader: (host) => new LeaderSession(host, session),
    tab: (host) => new TabSession(host),
  };
}
