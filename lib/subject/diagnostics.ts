// Node: every subject's lifecycle events go to `node:diagnostics_channel` (`rxws:connect`, …, the
// way undici and Node's http publish theirs). An event is built only when its channel has a
// subscriber. The browser build has diagnostics.browser.ts: no tracer at all.
import { channel, type Channel } from 'node:diagnostics_channel';
import { lifecycleEvent, note, type LifecycleType, type Tracer } from './lifecycle.js';

const TYPES: readonly LifecycleType[] = ['connect', 'open', 'close', 'error', 'reconnect', 'drop'];
// Held for the life of the process (diagnostics_channel keeps a channel only while it is referenced).
const CHANNELS = Object.fromEntries(TYPES.map((type) => [type, channel(`rxws:${type}`)])) as Record<LifecycleType, Channel>;

/** @internal Every engine's first tracer on Node: publishes each event its channel has subscribers for. */
export const defaultTracer: Tracer | undefined = function publish(type, detail, connection) {
  note(this, type, connection, detail); // even while nobody listens: a later subscriber sees the ids the log saw
  const published = CHANNELS[type];
  if (published.hasSubscribers) published.publish(lifecycleEvent(this, type, connection, detail));
};
