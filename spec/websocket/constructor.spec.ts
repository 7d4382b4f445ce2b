import { createTestServer, useTestServers } from 'rxws/testing';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket constructor ($name)', ({ WebSocket }) => {
  const expectSyntaxError = (fn: () => unknown): void => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('SyntaxError');
  };

  it('needs a url argument', () => {
    expect(() => new (WebSocket as unknown as new () => WebSocket)()).toThrow(TypeError);
  });

  it.each(['/relative', 'relative', '//host/path', 'ws://', 'http://[bad', ''])('rejects the invalid or relative URL %p with SyntaxError', (url) => {
    expectSyntaxError(() => new WebSocket(url));
  });

  it.each(['ftp://example.com', 'file:///tmp/x', 'mailto:a@b.c', 'javascript:alert(1)', 'data:text/plain,x'])(
    'rejects the scheme of %p with SyntaxError',
    (url) => expectSyntaxError(() => new WebSocket(url)),
  );

  it.each(['ws://127.0.0.1:1/#frag', 'ws://127.0.0.1:1/#', 'wss://127.0.0.1:1/path?q=1#x'])('rejects the fragment in %p with SyntaxError', (url) => {
    expectSyntaxError(() => new WebSocket(url));
  });

  it('maps http to ws and https to wss, and serializes the URL', async () => {
    const server = await createTestServer();
    const a = new WebSocket(`http://127.0.0.1:${server.port}/a b?x=1`);
    expect(a.url).toBe(`ws://127.0.0.1:${server.port}/a%20b?x=1`);
    const b = new WebSocket('HTTPS://Example.COM:443/');
    expect(b.url).toBe('wss://example.com/');
    b.close();
    const c = new WebSocket(new URL(`ws://127.0.0.1:${server.port}`));
    expect(c.url).toBe(`ws://127.0.0.1:${server.port}/`);
    await nextEvent(a, 'open');
    await nextEvent(c, 'open');
    a.close();
    c.close();
  });

  it.each([
    [['chat', 'chat']],
    [['chat', 'CHAT']],
    [['a b']],
    [['']],
    [['chat,superchat']],
    [['é']],
    ['bad protocol'],
    [['semi;colon']],
  ])('rejects the protocols %p with SyntaxError', (protocols) => {
    expectSyntaxError(() => new WebSocket('ws://127.0.0.1:1', protocols as string[]));
  });

  it('accepts a string, an array or any iterable of tokens', () => {
    for (const protocols of ['chat', ['chat', 'superchat'], new Set(['v1.json', 'v2~x'])]) {
      const socket = new WebSocket('ws://127.0.0.1:1', protocols as string[]);
      socket.onerror = () => {};
      socket.close();
    }
  });

  it('has the ready-state constants on the constructor and the prototype', () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const proto = WebSocket.prototype as unknown as Record<string, number>;
    expect([proto.CONNECTING, proto.OPEN, proto.CLOSING, proto.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(Object.keys(WebSocket)).toEqual(expect.arrayContaining(['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']));
  });

  it('starts CONNECTING with empty protocol and extensions, blob binaryType and nothing buffered', () => {
    const socket = new WebSocket('ws://127.0.0.1:1');
    socket.onerror = () => {};
    expect(socket.readyState).toBe(WebSocket.CONNECTING);
    expect(socket.protocol).toBe('');
    expect(socket.extensions).toBe('');
    expect(socket.binaryType).toBe('blob');
    expect(socket.bufferedAmount).toBe(0);
    expect(socket).toBeInstanceOf(EventTarget);
    expect(Object.prototype.toString.call(socket)).toBe('[object WebSocket]');
    socket.close();
  });

  it('opens, selects the subprotocol the server chose, and reports the negotiated extensions', async () => {
    const server = await createTestServer({ protocols: ['v2'], perMessageDeflate: true });
    const socket = new WebSocket(server.url, ['v1', 'v2']);
    await nextEvent(socket, 'open');
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(socket.protocol).toBe('v2');
    expect(socket.extensions).toMatch(/^permessage-deflate/);
    const { request } = await server.nextConnection();
    expect(request.protocols).toEqual(['v1', 'v2']);
    socket.close();
    await closed(socket);
  });

  it('reports no extension when the server declines permessage-deflate', async () => {
    const server = await createTestServer({ perMessageDeflate: false });
    const socket = new WebSocket(server.url);
    await nextEvent(socket, 'open');
    expect(socket.extensions).toBe('');
    expect(socket.protocol).toBe('');
    socket.close();
    await closed(socket);
  });
});
