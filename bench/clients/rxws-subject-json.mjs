// rxws's `webSocket()` subject (dist/esm) with its defaults: JSON.stringify / JSON.parse. Text
// scenarios only (JSON has no binary). Compare with rxjs-websocket, which does the same work.
import { loadRxws, subjectClient } from './_shared.mjs';

const { webSocket } = await loadRxws();

export const name = 'rxws-subject-json';
export const description = 'rxws webSocket() subject, default JSON serializer/deserializer';
export const checkTargets = true;
export const scenarios = ['text-throughput', 'latency', 'idle-memory'];
// Issue 4's target with JSON: at least 0.85x raw ws msg/s (rxjs/webSocket: about 0.81x).
// Idle memory: a subject, at most 1.25x raw ws against the ws server (issue 15).
export const targets = { msgPerSec: { min: 0.85 }, heapExtPerConn: { minimal: { max: 1.5 }, ws: { max: 1.25 } } };

export function connect(url) {
  return subjectClient(webSocket, { url }, closeEvents);
}

// rxws reports closes on `close$`: close() watches it from then on (no closeObserver kept per connection).
function closeEvents(subject) {
  return subject.close$;
}
