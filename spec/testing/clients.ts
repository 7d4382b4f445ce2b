// Real clients for the kit's tests: a raw `ws` client with promise helpers. (undici's and rxws's
// WebSocket are used directly in the specs.)
import { WebSocket as WsClient, type ClientOptions } from 'ws';

/** A raw `ws` client that has opened. */
export async function openWs(url: string, protocols?: string | string[], options?: ClientOptions): Promise<WsClient> {
  const ws = new WsClient(url, protocols, options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** How a `ws` client closed. */
export function closeOf(ws: WsClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WsClient.CLOSED) resolve({ code: -1, reason: 'already closed' });
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** The error (or unexpected-response status) of a `ws` client that fails to connect. */
export function failureOf(ws: WsClient): Promise<{ status?: number; error?: Error }> {
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => resolve({ error }));
  });
}

/** Closes a client and waits for it to have closed. */
export async function closeWs(ws: WsClient): Promise<void> {
  if (ws.readyState === WsClient.CLOSED) return;
  const closed = closeOf(ws);
  ws.close();
  await closed;
}

export { WsClient };
