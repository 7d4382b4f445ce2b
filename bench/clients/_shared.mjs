// What several adapters share: loading rxws's build, connecting a WHATWG-shaped WebSocket, and
// driving an RxJS WebSocket subject. Not an adapter itself (files starting with '_' are skipped).
import { pathToFileURL } from 'node:url';

/** rxws's built package (dist/esm), or the build named by BENCH_RXWS_DIST (e.g. another commit's). */
export function loadRxws() {
  const entry = process.env.BENCH_RXWS_DIST
    ? pathToFileURL(process.env.BENCH_RXWS_DIST).href
    : new URL('../../dist/esm/index.js', import.meta.url).href;
  return import(entry);
}

/** Connects `new WebSocket(url)` with `binaryType`, in the adapter interface of bench/clients/raw-ws.mjs. */
export function connectWhatwg(WebSocket, url, binaryType, label) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = binaryType;
    let callback = noop;
    socket.onmessage = (event) => callback(event.data);
    socket.onerror = (event) => reject(event.error ?? new Error(`${label} error`));
    // Once, as raw-ws's adapter listens for 'open' (like for like: neither keeps an open listener).
    socket.addEventListener('open', () => {
      socket.onerror = null;
      resolve({
        send: (data) => socket.send(data),
        onMessage: (cb) => void (callback = cb),
        close: () =>
          new Promise((done) => {
            if (socket.readyState === WebSocket.CLOSED) return done();
            socket.onclose = () => done();
            socket.close();
          }),
      });
    }, { once: true });
  });
}

/**
 * Drives a subject made by `factory(config)` (rxws's `webSocket` or rxjs's): resolves once open;
 * close() unsubscribes (the last subscriber closes the socket) and waits for the close event.
 */
export function subjectClient(factory, config) {
  return new Promise((resolve, reject) => {
    let callback = noop;
    let opened = false;
    let onClosed = noop;
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
                onClosed = done;
                subscription.unsubscribe();
              }),
          });
        },
      },
      closeObserver: { next: () => onClosed() },
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
