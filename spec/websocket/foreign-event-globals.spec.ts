// Server-side rendering (Angular's platform-server) replaces the global Event and MessageEvent
// classes with its DOM emulation's after rxws has loaded: the Node WebSocket must not construct
// its events from those globals, which Node's EventTarget refuses to dispatch.
import { firstValueFrom } from 'rxjs';
import { WebSocket, webSocket } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';

useTestServers({ onLeak: 'throw' });

/** A stand-in for a DOM emulation's event class (not Node's Event). */
class ForeignEvent {
  constructor(readonly type: string) {}
}

describe('the Node WebSocket with foreign Event / MessageEvent globals', () => {
  const saved = { Event: globalThis.Event, MessageEvent: globalThis.MessageEvent };
  beforeEach(() => Object.assign(globalThis, { Event: ForeignEvent, MessageEvent: ForeignEvent }));
  afterEach(() => Object.assign(globalThis, saved));

  it('opens, receives and closes', async () => {
    const server = await createTestServer();
    server.on('hi').reply('hello');
    const socket = new WebSocket(server.url);
    const events: string[] = [];
    const closed = new Promise<number>((resolve) => (socket.onclose = (e) => resolve(e.code)));
    const message = new Promise<unknown>((resolve) => (socket.onmessage = (e) => resolve(e.data)));
    socket.addEventListener('open', (e) => {
      events.push(e.type);
      socket.send('hi');
    });
    expect(await message).toBe('hello');
    expect(events).toEqual(['open']);
    socket.close(1000);
    expect(await closed).toBe(1000);
  });

  it('carries a webSocket() subject', async () => {
    const server = await createTestServer({ json: true });
    server.on({ q: 1 }).reply({ a: 1 });
    const subject = webSocket<{ q: number }, { a: number }>(server.url);
    const answer = firstValueFrom(subject);
    subject.next({ q: 1 });
    expect(await answer).toEqual({ a: 1 }); // (firstValueFrom unsubscribes: the connection closes)
    expect((await server.connections[0]!.closed).code).toBe(1000);
  });
});
