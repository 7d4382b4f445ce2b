// What a WebSocket seldom needs, kept apart so an idle connection carries none of it.
import type { NodeControls } from './controls.js';
import type { AuthenticationRetry } from './handshake.js';
import type { PendingSends } from './sending.js';

/** What a socket seldom sets (see WebSocket's #seldom): made on first need. */
export class SeldomSocketState {
  failure: Error | undefined = undefined;
  pending: PendingSends | undefined = undefined;
  controls: NodeControls | undefined = undefined;
  // The Sec-WebSocket-Extensions the server agreed to ('' for none, the usual case).
  extensions = '';
  // Set while CONNECTING when the URL has credentials and no 401 has been answered yet; cleared at
  // open and close.
  authenticationRetry: AuthenticationRetry | undefined = undefined;
}

