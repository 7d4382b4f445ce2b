// rxjs 7's `webSocket()` (what rxws's subject replaces) over `ws` as its WebSocketCtor, with its
// default JSON serializer/deserializer. Text scenarios only (JSON has no binary).
import { webSocket } from 'rxjs/webSocket';
import WebSocket from 'ws';

export const name = 'rxjs-websocket';
export const description = 'rxjs 7.8 webSocket() with WebSocketCtor = ws, default JSON serializer/deserializer';
export const checkTargets = false;
export const scenarios = ['text-throughput', 'latency', 'idle-memory'];

export function connect(url) {
  return new Promise((resolve, reject) => {
    let callback = noop;
    let opened = false;
    let onClosed = noop;
    const subject = webSocket({
      url,
      WebSocketCtor: WebSocket,
      openObserver: {
        next: () => {
          opened = true;
          resolve({
            send: (data) => subject.next(data),
            onMessage: (cb) => void (callback = cb),
            close: () =>
              new Promise((done) => {
                onClosed = done;
                subscription.unsubscribe(); // rxjs closes (no code) on the last unsubscribe
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
