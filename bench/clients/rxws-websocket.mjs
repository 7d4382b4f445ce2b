// rxws's WHATWG `WebSocket`, from the built package (dist/esm), i.e. what users get. Binary
// messages are delivered as Buffers (`{ binaryType: 'nodebuffer' }` in the Node options, an rxws extension), the same
// type raw `ws` delivers, so the comparison to the baseline is like for like. Set
// BENCH_RXWS_BINARY_TYPE=arraybuffer to compare with undici's ArrayBuffers instead.
//
// BENCH_RXWS_DIST overrides the module to import (e.g. a build of another commit).
import { connectWhatwg, loadRxws } from './_shared.mjs';

const { WebSocket } = await loadRxws();
const binaryType = process.env.BENCH_RXWS_BINARY_TYPE ?? 'nodebuffer';

export const name = 'rxws-websocket';
export const description = `rxws WebSocket (dist/esm), onmessage handler, binaryType '${binaryType}'`;
export const checkTargets = true;

export function connect(url) {
  return connectWhatwg(WebSocket, url, binaryType, 'rxws WebSocket');
}
