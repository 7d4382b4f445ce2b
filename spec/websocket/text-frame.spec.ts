// textFrame() (lib/websocket/text-frame.ts): a text message framed by rxws itself, as bytes on
// the wire. The session specs check what real servers read; this checks the forms a reader may
// not (the shortest length form, a fresh mask per frame).
import { textFrame, MAX_FRAMED_TEXT } from '../../lib/websocket/text-frame.js';

function parse(frame: Buffer): { first: number; masked: boolean; length: number; mask: Buffer | undefined; text: string } {
  let at = 2;
  let length = frame[1]! & 0x7f;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    at = 4;
  }
  const masked = (frame[1]! & 0x80) !== 0;
  const mask = masked ? frame.subarray(at, at + 4) : undefined;
  if (masked) at += 4;
  const payload = Buffer.from(frame.subarray(at));
  expect(payload.length).toBe(length);
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { first: frame[0]!, masked, length, mask: mask && Buffer.from(mask), text: payload.toString('utf8') };
}

describe('textFrame()', () => {
  it.each([0, 1, 2, 3, 4, 5, 119, 120, 121, 4090])('a masked frame of prefix + %i bytes of text unmasks to the message, its length in the shortest form', (n) => {
    const text = 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);
    const length = 6 + Buffer.byteLength(text);
    const frame = parse(textFrame('D1:22:', text, length, true));
    expect(frame).toMatchObject({ first: 0x81, masked: true, length, text: 'D1:22:' + text });
    expect(frame.length < 126 ? 6 + length : 8 + length).toBe(textFrame('D1:22:', text, length, true).length);
  });

  it('an unmasked frame (a server-side socket) carries the message as it is', () => {
    const frame = parse(textFrame('U', 'a\ud800b', 6, false));
    expect(frame).toMatchObject({ first: 0x81, masked: false, length: 6, text: 'Ua\ufffdb' });
  });

  it('each frame gets its own mask, across refills of the pool', () => {
    const masks = new Set<string>();
    for (let i = 0; i < 3000; i++) masks.add(parse(textFrame('p', 'q', 2, true)).mask!.toString('hex'));
    expect(masks.size).toBeGreaterThan(2990); // 32 random bits each: a handful of collisions at most
    expect(MAX_FRAMED_TEXT).toBeLessThan(65_536); // the 16-bit length form covers every frame made here
  });
});
