// rxws's WHATWG `WebSocket` (dist/esm) with the standard `binaryType = 'arraybuffer'`: what code
// written for browsers (or undici) gets. Binary scenario only (text is delivered alike whatever the
// binaryType: see rxws-websocket). Its target is a little below the Buffer one's: an ArrayBuffer
// is handed over without a copy only when `ws`'s Buffer spans its whole backing store.
import { connectWhatwg, loadRxws } from './_shared.mjs';

const { WebSocket } = await loadRxws();

export const name = 'rxws-websocket-arraybuffer';
export const description = "rxws WebSocket (dist/esm), onmessage handler, binaryType 'arraybuffer'";
export const checkTargets = true;
export const scenarios = ['binary-throughput'];
export const targets = { mbPerSec: { minimal: { min: 0.95 }, ws: { min: 0.95 } } };

export function connect(url) {
  return connectWhatwg(WebSocket, url, 'arraybuffer', 'rxws WebSocket (arraybuffer)');
}
