// rxws's `webSocket()` subject (dist/esm) with an identity serializer and deserializer, so the
// figures show the subject layer's own cost on top of rxws's WebSocket: next() sends the string
// or bytes as given, subscribers get `event.data` (binaryType 'nodebuffer', like raw ws).
import { loadRxws, subjectClient } from './_shared.mjs';

const { webSocket } = await loadRxws();

export const name = 'rxws-subject';
export const description = "rxws webSocket() subject, identity serializer/deserializer (x => x, e => e.data), binaryType 'nodebuffer'";
export const checkTargets = true;
// Against the minimal server, issue 4's targets (at least 0.92x raw ws msg/s and MB/s with an
// identity serializer); against the ws server, issue 15's, as for the WebSocket, but idle memory
// (a subject keeps more per connection than its socket: at most 1.25x).
export const targets = {
  msgPerSec: { minimal: { min: 0.92 }, ws: { min: 1.1 } },
  mbPerSec: { minimal: { min: 0.92 }, ws: { min: 1.0 } },
  heapExtPerConn: { minimal: { max: 1.5 }, ws: { max: 1.25 } },
};

// Defined once, as an application would.
const identity = (x) => x;
const data = (e) => e.data;

export function connect(url) {
  return subjectClient(webSocket, { url, serializer: identity, deserializer: data, binaryType: 'nodebuffer' }, closeEvents);
}

// rxws reports closes on `close$`: close() watches it from then on (no closeObserver kept per connection).
function closeEvents(subject) {
  return subject.close$;
}
