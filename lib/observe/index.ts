/**
 * rxws/observe: a subject's connection lifecycle (connect, open, close, error, reconnect, drop)
 * given to a function, in browsers and on Node (`logLifecycle()`); on Node the same events are on
 * `node:diagnostics_channel` (`rxws:*`) with no import at all. A separate entry (browser and Node),
 * so `import * as rxws from 'rxws'` does not carry it (docs/observability.md).
 * @packageDocumentation
 */
export { logLifecycle } from './log-lifecycle.js';
export type { LifecycleEvent, LifecycleHead, LifecycleType, LifecycleDetails, LifecycleLog, ClosedBy } from '../subject/lifecycle.js';
