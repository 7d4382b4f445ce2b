import { MessageEvent as RxwsMessageEvent } from 'rxws';
import { useTestServers } from 'rxws/testing';
import { connect as connectTo } from '../helpers/client.js';
import { bytesOf, closed, isArrayBuffer, nextEvent } from '../helpers/events.js';
import { implementations, undiciDeviations } from '../helpers/implementations.js';

useTestServers();

describe.each(implementations)('WebSocket messages ($name)', ({ name, WebSocket }) => {
  const connect = (perMessageDeflate = false) => connectTo((url) => new WebSocket(url), { perMessageDeflate });

  it('delivers text as strings, with the origin of the URL', async () => {
    const { socket, server, connection } = await connect();
    const message = nextEvent<MessageEvent>(socket, 'message');
    connection.send('héllo 😀');
    const event = await message;
    expect(event.constructor.name).toBe('MessageEvent');
    // rxws fires the MessageEvent it exports (Node 20's global reports [object Event]); undici its own.
    if (name === 'rxws') expect(event).toBeInstanceOf(RxwsMessageEvent);
    expect(event.data).toBe('héllo 😀');
    expect(event.origin).toBe(`ws://127.0.0.1:${server.port}`);
    socket.close();
  });

  it('delivers binary as Blob by default, ArrayBuffer when asked, and reads binaryType at each message', async () => {
    const { socket, connection } = await connect();
    const got: unknown[] = [];
    socket.addEventListener('message', (e) => {
      got.push((e as MessageEvent).data);
      if (got.length === 1) socket.binaryType = 'arraybuffer';
    });
    const first = nextEvent(socket, 'message');
    connection.send(new Uint8Array([1, 2, 3]));
    await first; // delivered (and binaryType switched) before the second is sent
    connection.send(new Uint8Array([4, 5]));
    while (got.length < 2) await nextEvent(socket, 'message');
    expect(got[0]).toBeInstanceOf(Blob);
    expect(await bytesOf(got[0])).toEqual([1, 2, 3]);
    expect(isArrayBuffer(got[1])).toBe(true);
    expect(await bytesOf(got[1])).toEqual([4, 5]);
    socket.close();
  });

  it('ignores a binaryType that is not a BinaryType value', async () => {
    const { socket } = await connect();
    socket.binaryType = 'arraybuffer';
    socket.binaryType = 'bogus' as BinaryType;
    if (name === 'undici' && undiciDeviations.binaryTypeInvalidValueResets) expect(socket.binaryType).toBe('blob');
    else expect(socket.binaryType).toBe('arraybuffer');
    socket.close();
  });

  it('round-trips large text and binary messages through permessage-deflate', async () => {
    const { socket, connection } = await connect(true);
    expect(socket.extensions).toMatch(/permessage-deflate/);
    connection.on(() => true).reply((message) => message); // echo
    socket.binaryType = 'arraybuffer';
    const text = 'abc'.repeat(100_000);
    const binary = new Uint8Array(256 * 1024).map((_, i) => i % 251);
    const received: unknown[] = [];
    socket.addEventListener('message', (e) => received.push((e as MessageEvent).data));
    socket.send(text);
    socket.send(binary);
    while (received.length < 2) await nextEvent(socket, 'message');
    expect(received[0]).toBe(text);
    expect(await bytesOf(received[1])).toEqual([...binary]);
    socket.close();
  });

  it('does not deliver messages that arrive after close() was called', async () => {
    const { socket, connection } = await connect();
    const got: unknown[] = [];
    socket.addEventListener('message', (e) => got.push((e as MessageEvent).data));
    socket.close(1000);
    connection.send('late'); // the server has not seen the close frame yet
    await closed(socket);
    expect(got).toEqual([]);
  });
});
