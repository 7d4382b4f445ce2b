// rxws's `webSocket()` subject (dist/esm) with an identity serializer and deserializer, so the
// figures show the subject layer's own cost on top of rxws's WebSocket: next() sends the string
// or bytes as given, subscribers get `event.data` (binaryType 'nodebuffer', like raw ws).
import { pathToFileURL } from 'node:url';

const entry = process.env.BENCH_RXWS_DIST
  ? pathToFileURL(process.env.BENCH_RXWS_DIST).href
  : new URL('../../dist/esm/index.js', import.meta.url).href;
const { webSocket } = await import(entry);

export const name = 'rxws-subject';
export const description = "rxws webSocket() subject, identity serializer/deserializer (x => x, e => e.data), binaryType 'nodebuffer'";
export const checkTargets = true;
// Issue 4's target for the subject: at least 0.92x raw ws msg/s with an identity serializer.
export const targets = { msgPerSec: { min: 0.92 }, mbPerSec: { min: 0.92 } };

// Defined once, as an application would.
const identity = (x) => x;
const data = (e) => e.data;

export function connect(url) {
  return subjectClient(webSocket, { url, serializer: identity, deserializer: data, binaryType: 'nodebuffer' });
}

/** Shared by the subject adapters: resolves once open; close() unsubscribes and waits for the close event. */
export function subjectClient(factory, config) {
  return new Promise((resolve, reject) => {
    let callback = noop;
    let opened = false;
    const subject = factory({
      ...config,
      openObserver: {
        next: () => {
          opened = true;
          resolve({
            send: (data) => subject.next(data),
            onMessage: (cb) => void (callback = cb),
            close: () =>
              new Promise((done) => {
                if (subscription.closed) return done();
                const c = subject.close$.subscribe(() => {
                  c.unsubscribe();
                  done();
                });
                subscription.unsubscribe();
              }),
          });
        },
      },
    });
    const subscription = subject.subscribe({
      next: (value) => callback(value),
      error: (error) => {
        if (!opened) reject(error);
      },
    });
  });
}

function noop() {}
