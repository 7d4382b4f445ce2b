// rxws's `webSocket()` subject (dist/esm) with an identity serializer and deserializer, so the
// figures show the subject layer's own cost on top of rxws's WebSocket: next() sends the string
// or bytes as given, subscribers get `event.data` (binaryType 'nodebuffer', like raw ws).
import { loadRxws, subjectClient } from './_shared.mjs';

const { webSocket } = await loadRxws();

export const name = 'rxws-subject';
export const description = "rxws webSocket() subject, identity serializer/deserializer (x => x, e => e.data), binaryType 'nodebuffer'";
export const checkTargets = true;
// Issue 4's target for the subject: at least 0.92x raw ws msg/s with an identity serializer.
export const targets = { msgPerSec: { min: 0.92 }, mbPerSec: { min: 0.92 } };

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
