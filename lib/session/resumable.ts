// The `session` option of webSocket(): a resumable session, bundled only when imported.
import { fail } from '../common/options.js';
import { kFeature, type SessionOption } from '../subject/features.js';
import type { SubjectCore } from '../subject/core.js';
import { ClientSession } from './client-session.js';
import { checkSessionOptions, type ResumableOptions } from './options.js';
import { SESSION_PROTOCOL } from './protocol.js';

/**
 * Makes a subject's connections one resumable session (`webSocket()`'s `session` option): each
 * message is numbered and kept until the server acknowledges it; after a dropped connection the
 * next one (e.g. `reconnect()`'s) resumes the session, both sides replay what the other has not
 * received and drop duplicates, so the application sees every message of the other side exactly
 * once and in order (docs/sessions.md). The server must speak `rxws.session.v1`
 * (docs/session-protocol.md; `acceptSessions()` in `rxws/node`); one that does not makes the
 * subject error with a `SessionError`, which `reconnect()` does not retry.
 *
 * `session$` on the subject tells each session start (`'new'`, `'resumed'`) and, when the server
 * no longer knows the session, `'lost'` with the messages it never acknowledged (not sent again by
 * themselves). A clean close with 1000 (`complete()`, `close()`, the last unsubscribe, or the
 * server's) ends the session.
 *
 * @param options the replay buffer's bounds, the acknowledgement timing, the welcome's timeout (see {@link ResumableOptions}).
 * @throws TypeError for a bad option.
 *
 * @example
 * import { webSocket, reconnect } from 'rxws';
 * import { resumable } from 'rxws/session';
 *
 * const orders = webSocket<Order, Fill>({ url, session: resumable({ replayLimit: { bytes: 1 << 20, messages: 10_000 } }) });
 * orders.pipe(reconnect()).subscribe((fill) => book(fill)); // every fill exactly once, in order, across drops
 * orders.next(order);                                        // delivered exactly once, even if the socket drops now
 * orders.session$.subscribe((s) => log(s.id, s.kind));       // 'new' | 'resumed' | 'lost'
 */
export function resumable(options?: ResumableOptions): SessionOption {
  const settings = checkSessionOptions('resumable()', options, ['welcomeTimeout']);
  return {
    [kFeature]: 'session',
    configure: (config) => {
      const clash = config.protocol !== undefined ? 'protocol' : config.socket !== undefined ? 'socket' : undefined;
      if (clash !== undefined) fail('webSocket()', `'session' negotiates its own subprotocol (${SESSION_PROTOCOL}): it cannot be combined with '${clash}'.`);
      if (config.binaryType === 'blob') fail('webSocket()', `'session' reads binary messages as they arrive: 'binaryType' must be 'arraybuffer' (its default with a session) or 'nodebuffer', not 'blob'.`);
      config.protocol = SESSION_PROTOCOL;
      config.binaryType ??= 'arraybuffer';
    },
    create: (engine) => new ClientSession(engine as SubjectCore<unknown, unknown>, settings),
    options: options ?? {},
  };
}
