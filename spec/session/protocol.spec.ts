// The frame codec of rxws.session.v1 (docs/session-protocol.md §2): what is a frame and what is not.
import fc from 'fast-check';
import { payloadBytes } from '../../lib/node/session-message.js';
import { decodeFrame, encodeAck, encodeData, encodeHello, encodeUnsequenced, encodeWelcome, newSessionId, payloadSize, redactId } from '../../lib/session/protocol.js';

const bytes = (text: string, ...tail: number[]): Uint8Array => new Uint8Array([...Buffer.from(text), ...tail]);

test('every frame decodes to what was encoded, text and binary', () => {
  expect(decodeFrame(encodeData(1, 0, '{"a":1}'))).toEqual({ type: 'data', seq: 1, ack: 0, payload: '{"a":1}' });
  expect(decodeFrame(encodeData(12, 34, 'with:colons:'))).toEqual({ type: 'data', seq: 12, ack: 34, payload: 'with:colons:' });
  expect(decodeFrame(encodeData(2 ** 53 - 1, 7, ''))).toEqual({ type: 'data', seq: 2 ** 53 - 1, ack: 7, payload: '' });
  expect(decodeFrame(encodeAck(9))).toEqual({ type: 'ack', ack: 9 });
  expect(decodeFrame(encodeUnsequenced('x'))).toEqual({ type: 'unsequenced', payload: 'x' });
  expect(decodeFrame(encodeHello(null, 0))).toEqual({ type: 'hello', session: null, received: 0 });
  expect(decodeFrame(encodeHello('id', 5))).toEqual({ type: 'hello', session: 'id', received: 5 });
  expect(decodeFrame(encodeWelcome('id', 'resumed', 3))).toEqual({ type: 'welcome', session: 'id', kind: 'resumed', received: 3 });
  const binary = encodeData(3, 1, new Uint8Array([0, 58, 255])) as Uint8Array;
  expect(Buffer.from(binary).toString('latin1')).toBe('D3:1:\u0000:\u00ff');
  const fromArrayBuffer = decodeFrame(binary.slice().buffer);
  expect(fromArrayBuffer).toMatchObject({ type: 'data', seq: 3, ack: 1 });
  expect([...new Uint8Array((fromArrayBuffer as { payload: ArrayBuffer }).payload)]).toEqual([0, 58, 255]);
  const fromBuffer = decodeFrame(Buffer.from(binary)) as unknown as { payload: Buffer };
  expect(Buffer.isBuffer(fromBuffer.payload)).toBe(true); // a view of the same bytes, of the same class
  expect([...fromBuffer.payload]).toEqual([0, 58, 255]);
  expect(decodeFrame(encodeUnsequenced(new Uint16Array([1])) as Uint8Array)).toMatchObject({ type: 'unsequenced' });
});

test.each([
  ['', 'empty'],
  ['{"json":true}', 'an application message without an envelope'],
  ['D1:2', 'one colon'],
  ['D:0:x', 'no seq'],
  ['D01:0:x', 'a leading zero'],
  ['D-1:0:x', 'a sign'],
  ['D1e3:0:x', 'an exponent'],
  ['D12345678901234567:0:x', 'more than 2^53 - 1'],
  ['A', 'an ack without a number'],
  ['A1.5', 'a fraction'],
  ['H{"session":1,"received":0}', 'a hello with a numeric id'],
  ['H{"session":null,"received":-1}', 'a negative received'],
  ['H[]', 'a hello that is not an object'],
  ['W{"session":"s","kind":"old","received":0}', 'an unknown welcome kind'],
  ['W{"session":"","kind":"new","received":0}', 'an empty id'],
  ['Wnot json', 'a welcome that is not JSON'],
  ['X1', 'an unknown frame type'],
])('%j is not a frame (%s)', (text) => {
  expect(decodeFrame(text)).toBeUndefined();
});

test('malformed binary frames, and values that are not messages at all', () => {
  expect(decodeFrame(bytes('D1:0'))).toBeUndefined();
  expect(decodeFrame(bytes('D1x:0:'))).toBeUndefined();
  expect(decodeFrame(bytes('A1'))).toBeUndefined(); // acks are text frames
  expect(decodeFrame(new Uint8Array(0))).toBeUndefined();
  expect(decodeFrame(42)).toBeUndefined();
  expect(decodeFrame(null)).toBeUndefined();
});

test('payloadSize counts UTF-8 bytes (a lone surrogate as U+FFFD, 3 bytes)', () => {
  for (const text of ['', 'abc', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', '\ud800\ud800', 'é€😀x']) {
    expect(payloadSize(text)).toBe(Buffer.from(text).length); // Buffer.from encodes a lone surrogate as U+FFFD
  }
  expect(payloadSize(new Uint8Array(7))).toBe(7);
  expect(payloadSize(new ArrayBuffer(3))).toBe(3);
});

test('session ids: 128 random bits as 22 base64url characters, never twice; redacted for logs', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newSessionId()));
  expect(ids.size).toBe(1000);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  const [id] = ids;
  expect(redactId(id!)).toBe(`${id!.slice(0, 4)}…`);
});

test("the server's payloadBytes (Node's Buffer.byteLength) counts as payloadSize does, for any text (lone surrogates included)", () => {
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }), fc.string());
  fc.assert(fc.property(text, (t) => payloadBytes(t) === payloadSize(t)));
  expect(payloadBytes(new Uint8Array(7).subarray(2))).toBe(5);
});
