// The browser build (dist/browser, what the `browser` export condition gives) in Node 20 run with
// `--conditions=browser`: no WebSocket, CloseEvent or ErrorEvent globals there, as in some test
// environments and SSR. Runs the built package (`npm run build` first; `npm test` does).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);

/** Runs `source` as an ES module under the browser condition; resolves with its stdout lines. */
async function inBrowserBuild(source: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--conditions=browser', '--input-type=module', '-e', source], { cwd: root, timeout: 30_000 });
  return stdout.trim().split('\n');
}

// A double with handler attributes only, installed as globalThis.WebSocket by the scripts below.
const HANDLER_SOCKET = `
class HandlerSocket {
  static last;
  readyState = 0;
  bufferedAmount = 0;
  sent = [];
  constructor(url) { this.url = url; HandlerSocket.last = this; }
  send(data) { this.sent.push(data); }
  close() { if (this.readyState < 2) this.readyState = 2; }
  open() { this.readyState = 1; this.onopen?.({}); }
  message(data) { this.onmessage?.({ data }); }
  serverClose(event) { this.readyState = 3; this.onclose?.(event); }
}`;

describe('the browser build, where WebSocket, CloseEvent and ErrorEvent globals are missing', () => {
  test('imports and makes subjects without a WebSocket global; connecting then fails with a clear error (a WebSocketCloseError 1006)', async () => {
    const lines = await inBrowserBuild(`
      const { webSocket, WebSocketCloseError } = await import('rxws');
      console.log(typeof globalThis.WebSocket, typeof globalThis.CloseEvent, typeof globalThis.ErrorEvent);
      const ws$ = webSocket('ws://example');
      const closes = [];
      ws$.close$.subscribe((e) => closes.push(e.code + ' ' + e.wasClean));
      const error = await new Promise((resolve) => ws$.subscribe({ error: resolve }));
      console.log(error instanceof WebSocketCloseError, error.code, closes.join());
      console.log(error.cause.message);
    `);
    expect(lines[0]).toBe('undefined undefined undefined');
    expect(lines[1]).toBe('true 1006 1006 false');
    expect(lines[2]).toMatch(/webSocket\(\): globalThis\.WebSocket is undefined: pass 'WebSocketCtor' or 'createWebSocket'\./);
  });

  test('a WebSocket installed after the import is used, driven through its handler attributes', async () => {
    const lines = await inBrowserBuild(`
      ${HANDLER_SOCKET}
      const { webSocket } = await import('rxws');
      const ws$ = webSocket('ws://example');
      globalThis.WebSocket = HandlerSocket; // after the import and after webSocket()
      const values = [];
      let done = 'open';
      ws$.subscribe({ next: (v) => values.push(v), complete: () => (done = 'complete') });
      ws$.next('hi');
      HandlerSocket.last.open();
      HandlerSocket.last.message('"a"');
      HandlerSocket.last.serverClose({ wasClean: true }); // no code: 1005, clean
      console.log(HandlerSocket.last.url, HandlerSocket.last.sent.join(), values.join(), done);
    `);
    expect(lines).toEqual(['ws://example "hi" a complete']);
  });

  test('an unclean close and a failing factory error with WebSocketCloseError, made with rxws\'s own event classes', async () => {
    const lines = await inBrowserBuild(`
      ${HANDLER_SOCKET}
      globalThis.WebSocket = HandlerSocket;
      const { webSocket, WebSocketCloseError } = await import('rxws');
      const ws$ = webSocket('ws://example');
      const unclean = new Promise((resolve) => ws$.subscribe({ error: resolve }));
      HandlerSocket.last.open();
      HandlerSocket.last.serverClose({ code: 1006, wasClean: false });
      const e1 = await unclean;
      const failing = webSocket({ url: 'ws://example', createWebSocket: () => { throw new Error('no network'); } });
      const errors = [];
      failing.error$.subscribe((e) => errors.push(e.type + ' ' + e.message));
      const e2 = await new Promise((resolve) => failing.subscribe({ error: resolve }));
      console.log(e1 instanceof WebSocketCloseError, e1.code, e2 instanceof WebSocketCloseError, e2.code, e2.cause.message, errors.join());
    `);
    expect(lines).toEqual(['true 1006 true 1006 no network error no network']);
  });
  test("rxws's stand-in event classes, where the platform has none: Events with the fields and their defaults", async () => {
    const lines = await inBrowserBuild(`
      delete globalThis.MessageEvent; // (Node has one)
      const { CloseEvent, ErrorEvent, MessageEvent } = await import('rxws');
      const show = (e, ...names) => JSON.stringify([e instanceof Event, e.type, e.cancelable, ...names.map((n) => e[n])]);
      console.log(show(new CloseEvent('close'), 'code', 'reason', 'wasClean'));
      console.log(show(new CloseEvent('close', { code: 4000, reason: 'bye', wasClean: true, cancelable: true }), 'code', 'reason', 'wasClean'));
      console.log(show(new ErrorEvent('error'), 'message', 'filename', 'lineno', 'colno', 'error'), 'error' in new ErrorEvent('error'));
      const cause = new Error('boom');
      const error = new ErrorEvent('error', { message: 'm', filename: 'f', lineno: 1, colno: 2, error: cause });
      console.log(show(error, 'message', 'filename', 'lineno', 'colno'), error.error === cause);
      console.log(new ErrorEvent('error', { error: null }).error, new MessageEvent('message', { data: null }).data);
      const empty = new MessageEvent('message');
      console.log(show(empty, 'data', 'origin', 'lastEventId', 'source', 'ports'), 'data' in empty, Object.isFrozen(empty.ports));
      const ports = [1];
      const full = new MessageEvent('message', { data: 'd', origin: 'o', lastEventId: 'l', source: 's', ports });
      console.log(show(full, 'data', 'origin', 'lastEventId', 'source', 'ports'), full.ports !== ports, Object.isFrozen(full.ports));
      console.log(Object.keys(new CloseEvent('close')).join(), Object.keys(empty).join());
    `);
    expect(lines).toEqual([
      '[true,"close",false,0,"",false]',
      '[true,"close",true,4000,"bye",true]',
      '[true,"error",false,"","",0,0,null] true',
      '[true,"error",false,"m","f",1,2] true',
      'null null',
      '[true,"message",false,null,"","",null,[]] true true',
      '[true,"message",false,"d","o","l","s",[1]] true true',
      'code,reason,wasClean data,origin,lastEventId,source,ports', // own fields
    ]);
  });
});
