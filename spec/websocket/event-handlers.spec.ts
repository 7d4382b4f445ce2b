import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestServer, useTestServers } from 'rxws/testing';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket event handler attributes ($name)', ({ name, WebSocket }) => {
  async function connect() {
    const server = await createTestServer();
    const socket = new WebSocket(server.url);
    return { server, socket };
  }

  it('start null; a function is returned as set; null and non-functions clear', async () => {
    const { socket } = await connect();
    for (const name of ['onopen', 'onmessage', 'onerror', 'onclose'] as const) {
      expect(socket[name]).toBeNull();
      const handler = (): void => {};
      socket[name] = handler;
      expect(socket[name]).toBe(handler);
      (socket as unknown as Record<string, unknown>)[name] = 'not a function';
      expect(socket[name]).toBeNull();
      socket[name] = handler;
      socket[name] = null;
      expect(socket[name]).toBeNull();
    }
    socket.close();
  });

  it('assigning replaces the handler, which keeps its place among the listeners', async () => {
    const { socket, server } = await connect();
    const calls: string[] = [];
    socket.addEventListener('message', () => calls.push('listener 1'));
    socket.onmessage = () => calls.push('handler A');
    socket.addEventListener('message', () => calls.push('listener 2'));
    socket.onmessage = () => calls.push('handler B');
    await nextEvent(socket, 'open');
    const got = nextEvent(socket, 'message');
    (await server.nextConnection()).send('x');
    await got;
    if (name === 'undici' && undiciDeviations.handlerReplacementMovesToEnd) {
      expect(calls).toEqual(['listener 1', 'listener 2', 'handler B']);
    } else {
      expect(calls).toEqual(['listener 1', 'handler B', 'listener 2']);
    }
    socket.close();
  });

  it('a handler set to null and set again goes to the end, and is called with this = the socket', async () => {
    const { socket, server } = await connect();
    const calls: string[] = [];
    let self: unknown;
    socket.onmessage = () => calls.push('first');
    socket.addEventListener('message', () => calls.push('listener'));
    socket.onmessage = null;
    socket.onmessage = function (this: WebSocket) {
      self = this;
      calls.push('again');
    };
    await nextEvent(socket, 'open');
    const got = nextEvent(socket, 'message');
    (await server.nextConnection()).send('x');
    await got;
    expect(calls).toEqual(['listener', 'again']);
    expect(self).toBe(socket);
    socket.close();
  });

  it('fires open, message, close through the handlers', async () => {
    const { socket, server } = await connect();
    const calls: string[] = [];
    socket.onopen = (e) => calls.push(`open:${e.type}`);
    socket.onmessage = (e) => {
      calls.push(`message:${String(e.data)}`);
      socket.close(1000);
    };
    socket.onclose = (e) => calls.push(`close:${e.code}`);
    socket.onerror = () => calls.push('error');
    const done = closed(socket);
    (await server.nextConnection()).send('hi');
    await done;
    expect(calls).toEqual(['open:open', 'message:hi', 'close:1000']);
  });
});

describe('listener errors (rxws)', () => {
  it('are reported as uncaught exceptions, not swallowed, and do not break the socket', async () => {
    const entry = join(__dirname, '..', '..', 'dist', 'esm', 'index.js');
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'fixtures', 'listener-throws.mjs'), entry], {
      cwd: join(__dirname, '..', '..'),
      timeout: 10_000,
    });
    const result = JSON.parse(stdout.trim()) as { reported: string[]; seen: string[]; code: number };
    expect(result.reported).toEqual(['from onopen', 'from a message listener', 'from a message listener']);
    expect(result.seen).toEqual(['one', 'two']);
    expect(result.code).toBe(1000);
  });
});
