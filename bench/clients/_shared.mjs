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

/**
 * Connects `new WebSocket(url)` (or `new WebSocket(url, [], nodeOptions)`) and sets the
 * `binaryType` attribute unless it is undefined, in the adapter interface of
 * bench/clients/raw-ws.mjs.
 */
export function connectWhatwg(WebSocket, url, binaryType, label, nodeOptions) {
  return new Promise((resolve, reject) => {
    const socket = nodeOptions === undefined ? new WebSocket(url) : new WebSocket(url, [], nodeOptions);
    if (binaryType !== undefined) socket.binaryType = binaryType;
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
 * `closeEvents(subject)`, where the library has one (rxws's `close$`), gives an observable of
 * close events that close() watches from the moment it is called, as the raw-ws and WHATWG
 * adapters add their close listener in close(); without it, a `closeObserver` in the config
 * (rxjs's only way) is kept for the life of the connection.
 */
export function subjectClient(factory, config, closeEvents) {
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
                if (closeEvents !== undefined) {
                  const watch = closeEvents(subject).subscribe(() => {
                    watch.unsubscribe();
                    done();
                  });
                } else onClosed = done;
                subscription.unsubscribe();
              }),
          });
        },
      },
      ...(closeEvents === undefined ? { closeObserver: { next: () => onClosed() } } : {}),
    });
    // The application's settings are not kept past the factory call (this scope outlives it).
    config = undefined;
    const subscription = subject.subscribe({
      next: (value) => callback(value),
      error: (error) => {
        if (!opened) reject(error);
      },
    });
  });
}

function noop() {}
