// Browsers and workers: no diagnostics_channel, so no tracer until `logLifecycle()` adds one: a
// plain webSocket() pays for one field and an optional call per event.
import type { Tracer } from './lifecycle.js';
import type * as Node from './diagnostics.js';

export const defaultTracer: typeof Node.defaultTracer = undefined as Tracer | undefined;
