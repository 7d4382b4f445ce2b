// rxws's WHATWG `WebSocket`, from the built package (dist/esm), i.e. what users get. Binary
// messages are delivered as Buffers (`binaryType = 'nodebuffer'`, an rxws extension), the same
// type raw `ws` delivers, so the comparison to the baseline is like for like. Set
// BENCH_RXWS_BINARY_TYPE=arraybuffer to compare with undici's ArrayBuffers instead.
//
// BENCH_RXWS_DIST overrides the module to import (e.g. a build of another commit).
import { pathToFileURL } from 'node:url';

const entry = process.env.BENCH_RXWS_DIST
  ? pathToFileURL(process.env.BENCH_RXWS_DIST).href
  : new URL('../../dist/esm/index.js', import.meta.url).href;
const { WebSocket } = await import(entry);
const binaryType = process.env.BENCH_RXWS_BINARY_TYPE ?? 'nodebuffer';

export const name = 'rxws-websocket';
export const description = `rxws WebSocket (dist/esm), onmessage handler, binaryType '${binaryType}'`;
export const checkTargets = true;

export function connect(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = binaryType;
    let callback = noop;
    socket.onmessage = (event) => callback(event.data);
    socket.onerror = (event) => reject(event.error ?? new Error('rxws WebSocket error'));
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
