// dataFrames() (lib/node/data-frames.ts): the server's data frames as bytes on the wire. The
// session specs check what a real `ws` client reads; `ws` also reads a length not in its shortest
// form, which RFC 6455 §5.2 forbids, so the length forms are checked byte by byte here.
import { dataFrames } from '../../lib/node/data-frames.js';

/** Splits `bytes` into frames: [fin+opcode, payload length, length-field bytes, payload]. */
function parse(bytes: Buffer): { first: number; length: number; lengthBytes: number; payload: Buffer }[] {
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at]!;
    const second = bytes[at + 1]!;
    expect(second & 0x80).toBe(0); // a server's frames are not masked
    let length = second;
    let lengthBytes = 0;
    at += 2;
    if (second === 126) {
      length = bytes.readUInt16BE(at);
      lengthBytes = 2;
    } else if (second === 127) {
      length = Number(bytes.readBigUInt64BE(at));
      lengthBytes = 8;
    }
    at += lengthBytes;
    frames.push({ first, length, lengthBytes, payload: bytes.subarray(at, at + length) });
    at += length;
  }
  expect(at).toBe(bytes.length);
  return frames;
}

describe('dataFrames()', () => {
  it.each([
    [125, 0],
    [126, 2],
    [65_535, 2],
    [65_536, 8],
  ])('a frame of %i bytes carries its length in the shortest form (%i extra bytes)', (frameLength, lengthBytes) => {
    const header = 'D7:3:';
    const [frame] = parse(dataFrames([{ seq: 7, payload: 'x'.repeat(frameLength - header.length) }], 3));
    expect(frame).toMatchObject({ first: 0x81, length: frameLength, lengthBytes });
    expect(frame!.payload.subarray(0, header.length).toString('latin1')).toBe(header);
  });

  it('frames a batch back to back: text as UTF-8 (a lone surrogate as U+FFFD), bytes of any view as binary, every seq and the one ack', () => {
    const bytes = new Uint16Array([0x0102, 0x0304]);
    const frames = parse(
      dataFrames(
        [
          { seq: 9, payload: 'é€𝄞' },
          { seq: 10, payload: 'a\ud800b' },
          { seq: 11, payload: new Uint8Array([1, 2]) },
          { seq: 12, payload: bytes.buffer },
          { seq: 13, payload: new DataView(bytes.buffer, 2, 2) },
          { seq: 9_007_199_254_740_991, payload: '' },
        ],
        1_000_000,
      ),
    );
    expect(frames.map((f) => f.first)).toEqual([0x81, 0x81, 0x82, 0x82, 0x82, 0x81]);
    expect(frames[0]!.payload.toString('utf8')).toBe('D9:1000000:é€𝄞');
    expect(frames[1]!.payload.toString('utf8')).toBe('D10:1000000:a\ufffdb');
    expect([...frames[2]!.payload]).toEqual([...Buffer.from('D11:1000000:'), 1, 2]);
    expect([...frames[3]!.payload.subarray(12)]).toEqual([...new Uint8Array(bytes.buffer)]);
    expect([...frames[4]!.payload.subarray(12)]).toEqual([...new Uint8Array(bytes.buffer, 2, 2)]);
    expect(frames[5]!.payload.toString('latin1')).toBe('D9007199254740991:1000000:');
  });
});
