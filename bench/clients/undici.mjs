// undici 7's WHATWG `WebSocket` (the implementation behind Node's global WebSocket), as a
// reference point. It has no Buffer binaryType, so binary messages arrive as ArrayBuffers.
import { WebSocket } from 'undici';

export const name = 'undici';
export const description = "undici 7 WebSocket, onmessage handler, binaryType 'arraybuffer'";
export const checkTargets = false;

export function connect(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    let callback = noop;
    socket.onmessage = (event) => callback(event.data);
    socket.onerror = (event) => reject(event.error ?? new Error('undici WebSocket error'));
    socket.onopen = () => {
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
    };
  });
}

function noop() {}
