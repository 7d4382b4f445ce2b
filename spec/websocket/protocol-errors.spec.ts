// "Fail the WebSocket connection" (WebSockets standard, RFC 6455 7.1.7): a server that breaks the
// protocol gets error, then close 1006 (not clean) at once, and its TCP connection is destroyed,
// even when it never closes its own side. The messages before the bad frame are delivered first.
import type { Socket } from 'node:net';
import { WebSocket as RxwsWebSocket } from 'rxws';
import { buildFrame, frames } from 'rxws/testing';
import { closed, recordEvents } from '../helpers/events.js';
import { implementations } from '../helpers/implementations.js';
import { acceptUpgrade, createRawServer, clientClosedTcp, type RawServer } from '../helpers/raw-server.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server that accepts the upgrade, writes `bytes` in one write, and never closes anything. */
async function misbehavingServer(bytes: Uint8Array[]): Promise<RawServer> {
  const server = await createRawServer((request, socket) => {
    acceptUpgrade(request, socket);
    socket.write(Buffer.concat(bytes));
  });
  servers.push(server);
  return server;
}

const closeFrame = (payload: number[]): Uint8Array => buildFrame({ opcode: 0x8, payload });

const BAD_FRAMES: [string, Uint8Array][] = [
  ['invalid UTF-8 in a text frame', frames.invalidUtf8()],
  ['invalid UTF-8 in a close reason', closeFrame([0x03, 0xe8, 0xce, 0xba, 0xff])],
  ['a reserved opcode', frames.reservedOpcode()],
  ['a reserved data opcode (0x7)', frames.reservedOpcode(0x7)],
  ['reserved bits no extension negotiated', frames.reservedBits()],
  ['a masked frame', frames.masked()],
  ['a fragmented ping', frames.fragmentedPing()],
  ['a close frame with a one-byte payload', closeFrame([0x03])],
  ['a close frame with the code 1005, which must not be sent', closeFrame([0x03, 0xed])],
  ['a close frame with the code 999', closeFrame([0x03, 0xe7])],
  ['a continuation frame with nothing to continue', buildFrame({ opcode: 0x0, payload: 'x' })],
];

describe.each(implementations)('failing the WebSocket connection ($name)', ({ WebSocket }) => {
  it.each(BAD_FRAMES)('%s: the messages before it, then error and close 1006 at once; the TCP connection is destroyed', async (_label, bad) => {
    const server = await misbehavingServer([frames.text('one'), frames.binary(new Uint8Array([1, 2])), frames.text('two'), bad, frames.text('never')]);
    const socket = new WebSocket(server.url);
    socket.binaryType = 'arraybuffer';
    const log = recordEvents(socket);
    const data: unknown[] = [];
    socket.addEventListener('message', (event) => data.push(typeof event.data === 'string' ? event.data : [...new Uint8Array(event.data as ArrayBuffer)]));
    const event = await closed(socket, 10_000); // the server never closes: waiting for it would take 30 s
    expect(log).toEqual(['open rs=1', 'message rs=1', 'message rs=1', 'message rs=1', 'error rs=3', 'close 1006 false rs=3']);
    expect(data).toEqual(['one', [1, 2], 'two']);
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    await clientClosedTcp(server.sockets[0] as Socket); // the client closed the TCP connection itself
  });
});

describe('failing the WebSocket connection (rxws, Node options)', () => {
  it('a message over maxPayload fails the connection at once', async () => {
    const server = await misbehavingServer([frames.text('small'), frames.binary(new Uint8Array(2048))]);
    const socket = new RxwsWebSocket(server.url, [], { maxPayload: 1024 });
    const log = recordEvents(socket);
    const event = await closed(socket, 10_000);
    expect(log).toEqual(['open rs=1', 'message rs=1', 'error rs=3', 'close 1006 false rs=3']);
    expect(event.wasClean).toBe(false);
    await clientClosedTcp(server.sockets[0] as Socket);
  });

  it('the error event carries the cause, and the close frame the server is told goes out first', async () => {
    const received: Buffer[] = [];
    const server = await createRawServer((request, socket) => {
      acceptUpgrade(request, socket);
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(frames.invalidUtf8());
    });
    servers.push(server);
    const socket = new RxwsWebSocket(server.url);
    const errors: Event[] = [];
    socket.addEventListener('error', (event) => errors.push(event));
    await closed(socket, 10_000);
    await clientClosedTcp(server.sockets[0] as Socket);
    expect((errors[0] as unknown as { error: Error }).error.message).toMatch(/UTF-8/);
    const bytes = Buffer.concat(received);
    // One masked close frame (0x88), 2-byte payload: 1007 once unmasked.
    expect(bytes[0]).toBe(0x88);
    expect(bytes[1]).toBe(0x80 | 2);
    const key = bytes.subarray(2, 6);
    expect(((bytes[6]! ^ key[0]!) << 8) | (bytes[7]! ^ key[1]!)).toBe(1007);
  });
});
