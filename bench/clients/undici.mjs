// undici 7's WHATWG `WebSocket` (the implementation behind Node's global WebSocket), as a
// reference point. It has no Buffer binaryType, so binary messages arrive as ArrayBuffers.
import { WebSocket } from 'undici';
import { connectWhatwg } from './_shared.mjs';

export const name = 'undici';
export const description = "undici 7 WebSocket, onmessage handler, binaryType 'arraybuffer'";
export const checkTargets = false;

export function connect(url) {
  return connectWhatwg(WebSocket, url, 'arraybuffer', 'undici WebSocket');
}
