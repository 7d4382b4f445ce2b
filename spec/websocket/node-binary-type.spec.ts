// The Node options' `binaryType` (the constructor's third argument): how binary messages are
// delivered from the first message on, 'nodebuffer' included (the Node route to Buffers).
import { useTestServers } from 'rxws/testing';
import { WebSocket } from 'rxws';
import { connect } from '../helpers/client.js';
import { nextEvent } from '../helpers/events.js';

useTestServers();

describe('WebSocket Node option binaryType', () => {
  it("delivers Buffers with { binaryType: 'nodebuffer' }, from the first message", async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], { binaryType: 'nodebuffer' }));
    expect(socket.binaryType).toBe('nodebuffer');
    const message = nextEvent<MessageEvent>(socket, 'message');
    connection.send(new Uint8Array([1, 2, 3]));
    const { data } = await message;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...(data as Buffer)]).toEqual([1, 2, 3]);
    socket.close();
  });

  it("delivers ArrayBuffers with { binaryType: 'arraybuffer' }", async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, undefined, { binaryType: 'arraybuffer' }));
    const message = nextEvent<MessageEvent>(socket, 'message');
    connection.send(new Uint8Array([4, 5]));
    const { data } = await message;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(data as ArrayBuffer)]).toEqual([4, 5]);
    socket.close();
  });

  it('rejects another value with a TypeError naming the option', () => {
    expect(() => new WebSocket('ws://127.0.0.1:1', [], { binaryType: 'buffer' as 'nodebuffer' })).toThrow(
      /'binaryType' must be 'blob', 'arraybuffer' or 'nodebuffer'/,
    );
  });
});
