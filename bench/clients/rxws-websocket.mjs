// rxws's WHATWG `WebSocket`, from the built package (dist/esm), i.e. what users get. Binary
// messages are delivered as Buffers, chosen the Node way (`new WebSocket(url, [], { binaryType:
// 'nodebuffer' })`, the third constructor argument), the same type raw `ws` delivers, so the
// comparison to the baseline is like for like. rxws-websocket-arraybuffer is the standard route.
//
// BENCH_RXWS_DIST overrides the module to import (e.g. a build of another commit).
import { connectWhatwg, loadRxws } from './_shared.mjs';

const { WebSocket } = await loadRxws();
const NODE_OPTIONS = Object.freeze({ binaryType: 'nodebuffer' });

export const name = 'rxws-websocket';
export const description = "rxws WebSocket (dist/esm), onmessage handler, Node option { binaryType: 'nodebuffer' }";
export const checkTargets = true;

export function connect(url) {
  return connectWhatwg(WebSocket, url, undefined, 'rxws WebSocket', NODE_OPTIONS);
}
