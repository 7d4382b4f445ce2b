// binaryType is the standard attribute ('blob', 'arraybuffer'; anything else ignored); Node users
// choose Buffers through the Node options. ArrayBuffers are delivered without a copy when the
// received bytes own their whole backing store.
import { WebSocket, webSocket } from 'rxws';
import { useTestServers } from 'rxws/testing';
import { firstValueFrom } from 'rxjs';
import { connect } from '../helpers/client.js';
import { closed, nextEvent, isArrayBuffer } from '../helpers/events.js';

useTestServers();

async function nextData(socket: WebSocket): Promise<unknown> {
  return (await nextEvent<MessageEvent>(socket, 'message')).data;
}

describe('WebSocket binaryType (rxws)', () => {
  it("ignores 'nodebuffer' and any other non-standard value assigned to the attribute", async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { socket, connection } = await connect((url) => new WebSocket(url));
    socket.binaryType = 'nodebuffer' as 'blob';
    expect(socket.binaryType).toBe('blob');
    socket.binaryType = 'bogus' as 'blob';
    socket.binaryType = 'nodebuffer' as 'blob';
    expect(socket.binaryType).toBe('blob');
    // Said once per process, with the way to get Buffers.
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([expect.stringMatching(/\{ binaryType: 'nodebuffer' \}/)]);
    warn.mockRestore();
    connection.send(new Uint8Array([1]));
    expect(await nextData(socket)).toBeInstanceOf(Blob);
    const done = closed(socket);
    socket.close();
    await done;
  });

  it("delivers Buffers when { binaryType: 'nodebuffer' } is given in the Node options, and reports 'nodebuffer' until a standard value is assigned", async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url, [], { binaryType: 'nodebuffer' }));
    expect(socket.binaryType).toBe('nodebuffer');
    connection.send(new Uint8Array([1, 2]));
    const data = await nextData(socket);
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...(data as Buffer)]).toEqual([1, 2]);
    socket.binaryType = 'arraybuffer';
    expect(socket.binaryType).toBe('arraybuffer');
    connection.send(new Uint8Array([3]));
    expect(isArrayBuffer(await nextData(socket))).toBe(true);
    socket.binaryType = 'nodebuffer' as 'blob'; // ignored: the attribute takes the standard values only
    expect(socket.binaryType).toBe('arraybuffer');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it.each(['arraybuffer', 'blob'] as const)("the Node option binaryType '%s' sets the attribute's first value", (type) => {
    const socket = new WebSocket('ws://127.0.0.1:1/', [], { binaryType: type });
    socket.onerror = () => {};
    expect(socket.binaryType).toBe(type);
    socket.close();
  });

  it('rejects an unknown binaryType in the Node options with a TypeError naming it', () => {
    expect(() => new WebSocket('ws://127.0.0.1:1/', [], { binaryType: 'buffer' as 'blob' })).toThrow(/'binaryType' must be 'blob', 'arraybuffer' or 'nodebuffer'/);
  });

  it("the subject's binaryType: 'nodebuffer' still delivers Buffers (through the Node options)", async () => {
    const { createTestServer } = await import('rxws/testing');
    const server = await createTestServer();
    const subject = webSocket<unknown>({ url: server.url, deserializer: (e) => e.data, binaryType: 'nodebuffer' });
    const first = firstValueFrom(subject);
    const connection = await server.nextConnection();
    connection.send(new Uint8Array([9, 8]));
    const data = await first;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...(data as Buffer)]).toEqual([9, 8]);
  });

  it("delivers a large message's own backing store as the ArrayBuffer: no copy", async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url));
    socket.binaryType = 'arraybuffer';
    const slice = jest.spyOn(ArrayBuffer.prototype, 'slice');
    try {
      connection.send(new Uint8Array(256 * 1024).fill(5));
      const data = (await nextData(socket)) as ArrayBuffer;
      expect(data.byteLength).toBe(256 * 1024);
      expect(slice).not.toHaveBeenCalled();
    } finally {
      slice.mockRestore();
    }
    const done = closed(socket);
    socket.close();
    await done;
  });
});
