// rxjs 7's `webSocket()` (what rxws's subject replaces) over `ws` as its WebSocketCtor, with its
// default JSON serializer/deserializer. Text scenarios only (JSON has no binary).
import { webSocket } from 'rxjs/webSocket';
import WebSocket from 'ws';
import { subjectClient } from './_shared.mjs';

export const name = 'rxjs-websocket';
export const description = 'rxjs 7.8 webSocket() with WebSocketCtor = ws, default JSON serializer/deserializer';
export const checkTargets = false;
export const scenarios = ['text-throughput', 'latency', 'idle-memory'];

export function connect(url) {
  // rxjs closes (with no code) on the last unsubscribe.
  return subjectClient(webSocket, { url, WebSocketCtor: WebSocket });
}
