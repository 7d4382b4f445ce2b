import { Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import { CloseEvent } from 'rxws';
import { createMemoryWebSocket, type MemoryWebSocket, type MemoryWebSocketConstructor } from 'rxws/testing';

describe('createMemoryWebSocket', () => {
  it('has the WHATWG surface: constants, attributes, validation', () => {
    const { WebSocket, controller } = createMemoryWebSocket();
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const socket = new WebSocket('http://example.test/path', ['a', 'b']);
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(socket).toBeInstanceOf(EventTarget);
    expect(socket.url).toBe('ws://example.test/path');
    expect(socket.readyState).toBe(0);
    expect(socket.bufferedAmount).toBe(0);
    expect(socket.protocol).toBe('');
    expect(socket.extensions).toBe('');
    expect(socket.binaryType).toBe('blob');
    socket.binaryType = 'nope' as never;
    expect(socket.binaryType).toBe('blob');
    expect(() => new WebSocket('ftp://x')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ws://x/#frag')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocket('ws://x', ['a', 'a'])).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => socket.send('early')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    expect(() => socket.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => socket.close(1000, 'x'.repeat(124))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(controller.sockets.map((h) => h.url)).toEqual(['ws://example.test/path']);
    expect(controller.last?.protocols).toEqual(['a', 'b']);
  });

  it('open, receive, send, close: synchronously, with handler attributes and listeners', () => {
    const { WebSocket, controller } = createMemoryWebSocket();
    const socket = new WebSocket('ws://test/');
    const log: string[] = [];
    socket.onopen = () => log.push('open');
    socket.addEventListener('message', (e) => log.push(`message ${String((e as MessageEvent).data)}`));
    socket.onclose = (e) => log.push(`close ${(e as CloseEvent).code} ${(e as CloseEvent).wasClean}`);
    const handle = controller.last!;
    handle.open();
    expect(log).toEqual(['open']);
    expect(socket.readyState).toBe(1);
    handle.receive('hi');
    expect(log).toEqual(['open', 'message hi']);
    socket.send('text');
    socket.send(new Uint8Array([1, 2]));
    socket.send(new Uint8Array([9, 1, 2, 9]).subarray(1, 3).buffer.slice(1, 3));
    expect(handle.sent).toEqual(['text', new Uint8Array([1, 2]), new Uint8Array([1, 2])]);
    socket.close(4000, 'done');
    expect(log).toEqual(['open', 'message hi', 'close 4000 true']);
    expect(socket.readyState).toBe(3);
    expect(handle.closeRequest).toEqual({ code: 4000, reason: 'done' });
    socket.send('after close');
    expect(socket.bufferedAmount).toBe(11);
    expect(handle.sent).toHaveLength(3);
  });

  it('delivers binary per binaryType; a manual close handshake; fail(); server close', async () => {
    const { WebSocket, controller } = createMemoryWebSocket({ closeHandshake: 'manual' });
    const socket = new WebSocket('ws://test/', 'chat');
    const got: unknown[] = [];
    socket.onmessage = (e) => got.push((e as MessageEvent).data);
    const handle = controller.last!;
    expect(() => handle.open({ protocol: 'other' })).toThrow(/did not offer/);
    handle.open({ protocol: 'chat' });
    expect(socket.protocol).toBe('chat');
    handle.receive(new Uint8Array([1]));
    socket.binaryType = 'arraybuffer';
    handle.receive(new Uint8Array([2]));
    expect(got[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (got[0] as Blob).arrayBuffer())]).toEqual([1]);
    expect([...new Uint8Array(got[1] as ArrayBuffer)]).toEqual([2]);
    socket.close();
    expect(socket.readyState).toBe(2);
    let closed: CloseEvent | undefined;
    socket.onclose = (e) => (closed = e as CloseEvent);
    handle.close();
    expect(closed?.code).toBe(1005);

    const s2 = new WebSocket('ws://test/2');
    const events: string[] = [];
    s2.onerror = () => events.push('error');
    s2.onclose = (e) => events.push(`close ${(e as CloseEvent).code} ${(e as CloseEvent).wasClean}`);
    controller.last!.fail();
    expect(events).toEqual(['error', 'close 1006 false']);

    const s3 = new WebSocket('ws://test/3');
    controller.last!.open();
    controller.last!.setBufferedAmount(1234);
    expect(s3.bufferedAmount).toBe(1234);
    s3.onclose = (e) => events.push(`server close ${(e as CloseEvent).code} ${(e as CloseEvent).reason}`);
    controller.last!.close(1012, 'restart');
    expect(events.at(-1)).toBe('server close 1012 restart');
    expect(() => controller.last!.receive('late')).toThrow(/is CLOSED/);
  });

  it('closing while CONNECTING fails the connection; factory and onCreate; each controller its own class', () => {
    const { WebSocket, controller } = createMemoryWebSocket();
    const created: string[] = [];
    controller.onCreate((h) => created.push(h.url));
    const socket = controller.factory('ws://f/');
    expect(socket).toBeInstanceOf(WebSocket);
    const events: string[] = [];
    socket.onerror = () => events.push('error');
    socket.onclose = (e) => events.push(`close ${(e as CloseEvent).code}`);
    socket.close();
    expect(events).toEqual(['error', 'close 1006']);
    expect(created).toEqual(['ws://f/']);
    expect(controller.handleOf(socket)).toBe(controller.last);
    const other = createMemoryWebSocket();
    expect(other.WebSocket).not.toBe(WebSocket);
    expect(other.controller.sockets).toEqual([]);
  });

  /** A tiny socket-to-Observable wrapper, as the rxws subject will be: it takes a constructor. */
  function messages$(Ctor: MemoryWebSocketConstructor, url: string): Observable<string> {
    return new Observable<string>((subscriber) => {
      const socket: MemoryWebSocket = new Ctor(url);
      socket.onmessage = (e) => subscriber.next(String((e as MessageEvent).data));
      socket.onerror = () => subscriber.error(new Error('socket error'));
      socket.onclose = (e) => ((e as CloseEvent).wasClean ? subscriber.complete() : subscriber.error(new Error(`closed ${(e as CloseEvent).code}`)));
      return () => socket.close();
    });
  }

  it('drives an Observable over a socket in virtual time with TestScheduler (marbles)', () => {
    // Server-side actions at virtual frames: the controller acts synchronously, so they land exactly
    // there. A fresh scheduler per run: `schedule` delays count from the scheduler's current frame.
    const fresh = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const s1 = fresh();
    s1.run(({ expectObservable }) => {
      const { WebSocket, controller } = createMemoryWebSocket();
      const source = messages$(WebSocket, 'ws://marbles/').pipe(map((m) => m.toUpperCase()));
      s1.schedule(() => controller.last!.open(), 1);
      s1.schedule(() => controller.last!.receive('a'), 2);
      s1.schedule(() => controller.last!.receive('b'), 5);
      s1.schedule(() => controller.last!.close(1000), 8);
      expectObservable(source).toBe('--a--b--|', { a: 'A', b: 'B' });
    });
    const s2 = fresh();
    s2.run(({ expectObservable }) => {
      const { WebSocket, controller } = createMemoryWebSocket();
      s2.schedule(() => controller.last!.open(), 1);
      s2.schedule(() => controller.last!.receive('x'), 2);
      s2.schedule(() => controller.last!.fail(), 4);
      expectObservable(messages$(WebSocket, 'ws://marbles/')).toBe('--x-#', { x: 'x' }, new Error('socket error'));
    });
    // Unsubscribing closes the socket (the client side of the wrapper).
    const s3 = fresh();
    let handle: ReturnType<typeof createMemoryWebSocket>['controller'] | undefined;
    s3.run(({ expectObservable }) => {
      const { WebSocket, controller } = createMemoryWebSocket();
      handle = controller;
      s3.schedule(() => controller.last!.open(), 1);
      expectObservable(messages$(WebSocket, 'ws://marbles/'), '^--!').toBe('----');
    });
    expect(handle!.last!.closeRequest).toEqual({ code: undefined, reason: '' });
    expect(handle!.last!.socket.readyState).toBe(3);
  });
});
