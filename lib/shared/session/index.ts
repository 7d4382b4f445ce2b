/**
 * rxws/shared/session: `sharedSession()`, the code that shares a resumable session between tabs,
 * bundled up front (a bare `resumable()` given to `sharedWebSocket()` loads the same code on
 * demand). See docs/shared.md, "Sessions".
 * @packageDocumentation
 */
export { sharedSession } from '../shared-session.js';
export type { SharedSession } from '../session-parts.js';
