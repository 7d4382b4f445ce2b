/**
 * rxws/queue: the outbound queue bounded by bytes and age (`boundQueue()`), and volatile messages
 * (`volatile()`), sent only if the connection is open now. A separate entry (browser and Node),
 * so `import * as rxws from 'rxws'` does not carry them.
 * @packageDocumentation
 */
export { boundQueue, type QueueBounds } from './bounded-queue.js';
export { volatile, type VolatileSender } from './volatile.js';
