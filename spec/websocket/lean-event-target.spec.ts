// rxws's Node WebSocket shares Node's empty EventTarget maps until a listener is added (see
// lib/internals/node.ts). These tests hold that the sharing is invisible: every way
// of listening still works, and nothing ever lands in the shared maps.
import { getEventListeners, once } from 'node:events';
import { createTestServer, useTestServers } from 'rxws/testing';
import { WebSocket } from 'rxws';
import { probes } from '../../lib/internals/node.js';
import { until } from '../helpers/client.js';
import { closed, nextEvent } from '../helpers/events.js';

useTestServers();

/** The maps every socket without listeners shares (read off a fresh socket). */
function sharedMaps(): unknown[] {
  const socket = new WebSocket('ws://127.0.0.1:1');
  socket.onerror = null; // (not a listener: keeps sharing)
  const maps = Object.getOwnPropertySymbols(socket)
    .filter((key) => key.description === 'kEvents' || key.description === 'kHandlers')
    .map((key) => (socket as unknown as Record<symbol, unknown>)[key]);
  socket.close();
  return maps;
}

describe('WebSocket: shared EventTarget maps', () => {
  it('is on for this Node version (the probe found its internals)', () => {
    expect(probes.eventTargetMaps).toBe(true);
    const [events, handlers] = sharedMaps();
    expect(sharedMaps()).toEqual([events, handlers]);
    // Shared: the same objects for two sockets.
    expect(sharedMaps()[0]).toBe(events);
  });

  it('listeners added in every way work, in order, and the shared maps stay empty', async () => {
    const server = await createTestServer();
    const socket = new WebSocket(server.url);
    const calls: string[] = [];
    socket.onmessage = () => calls.push('handler'); // set before any listener: first in the list
    const opened = once(socket, 'open'); // events.once: addEventListener through the instance
    socket.addEventListener('message', () => calls.push('listener'));
    socket.addEventListener('message', { handleEvent: () => calls.push('object') });
    socket.addEventListener('message', () => calls.push('once'), { once: true });
    const controller = new AbortController();
    socket.addEventListener('message', () => calls.push('aborted'), { signal: controller.signal });
    controller.abort();
    await opened;
    const connection = await server.nextConnection();
    connection.send('a');
    await until(() => calls.length >= 4);
    connection.send('b');
    await until(() => calls.length >= 7);
    expect(calls).toEqual(['handler', 'listener', 'object', 'once', 'handler', 'listener', 'object']);
    expect(getEventListeners(socket, 'message')).toHaveLength(3);
    socket.dispatchEvent(new Event('custom'));
    socket.close();
    await closed(socket);
    for (const map of sharedMaps()) expect((map as Map<unknown, unknown>).size).toBe(0);
  });

  it('a socket without listeners dispatches, removes and reports listeners as an empty target', async () => {
    const server = await createTestServer();
    const socket = new WebSocket(server.url);
    const event = new Event('custom');
    expect(socket.dispatchEvent(event)).toBe(true);
    expect(event.target).toBe(socket);
    socket.removeEventListener('message', () => {});
    expect(getEventListeners(socket, 'message')).toEqual([]);
    socket.onclose = () => {};
    socket.onclose = null; // removes the handler's listener again
    await nextEvent(socket, 'open');
    socket.close();
    await closed(socket);
    for (const map of sharedMaps()) expect((map as Map<unknown, unknown>).size).toBe(0);
  });
});
