// Binary codecs (MessagePack, CBOR) against JSON, on the message shapes of rxws's benches: `npm run bench:codecs`
// (`node bench/codecs.mjs [--rounds=5] [--count=200000]`). Per shape and codec: the bytes on the
// wire (a JSON text frame's UTF-8 bytes; a binary frame's bytes), and the CPU time of the
// serializer and of the deserializer per message, as webSocket() runs them (JSON: stringify and
// parse a string; MessagePack, CBOR: encode to bytes, decode from an ArrayBuffer's bytes).
// The recipes: docs/subject.md, "Binary codecs".
import { encode as msgpackEncode, decode as msgpackDecode } from '@msgpack/msgpack';
import { encode as cborEncode, decode as cborDecode } from 'cbor-x';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const ROUNDS = Number(args.rounds ?? 5);
const COUNT = Number(args.count ?? 200_000);

const receipt = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);
const shapes = {
  'topic update (bench:topics)': { topic: 't42', data: 12345 },
  '64-byte JSON (bench:session)': { data: 'x'.repeat(53) },
  'an order': { id: 918273, symbol: 'EURUSD', side: 'buy', qty: 1_000_000, price: 1.08425, ts: 1_765_100_000_123 },
  'a fill with 1 KiB of bytes': { order: 918273, at: 1_765_100_000_456, receipt },
};

// JSON carries bytes as base64 (what an application does without a binary codec).
const jsonReplacer = (_key, value) => (value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString('base64') } : value);
const jsonReviver = (_key, value) => (value && typeof value === 'object' && typeof value.$bytes === 'string' ? new Uint8Array(Buffer.from(value.$bytes, 'base64')) : value);
const hasBytes = (v) => Object.values(v).some((x) => x instanceof Uint8Array);
const codecs = {
  // The baseline: plain JSON, or, for a shape with bytes, JSON with them as base64.
  JSON: { encode: (v) => JSON.stringify(v), decode: (s) => JSON.parse(s), bytes: (e) => Buffer.byteLength(e), skip: hasBytes, baseline: true },
  'JSON (bytes as base64)': { encode: (v) => JSON.stringify(v, jsonReplacer), decode: (s) => JSON.parse(s, jsonReviver), bytes: (e) => Buffer.byteLength(e), skip: (v) => !hasBytes(v), baseline: true },
  MessagePack: { encode: (v) => msgpackEncode(v), decode: (b) => msgpackDecode(b), bytes: (e) => e.byteLength },
  // cbor-x's encode() returns a view into a buffer it shares between calls (later ones write after it, never over it).
  CBOR: { encode: (v) => cborEncode(v), decode: (b) => cborDecode(b), bytes: (e) => e.byteLength },
};

/** CPU µs per call of `fn(i)`, the median of ROUNDS rounds of COUNT calls. */
function timePerCall(fn) {
  const rounds = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < COUNT; i++) sink ^= fn(i) ? 1 : 0;
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / COUNT);
  }
  if (sink === 2) console.log(sink); // (keeps the calls from being optimized away)
  return rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
}

console.log(`MessagePack and CBOR (cbor-x) against JSON, ${ROUNDS} rounds × ${COUNT.toLocaleString('en-US')} messages (median), Node ${process.version}\n`);
console.log('| shape | codec | bytes | vs JSON | encode µs | decode µs | encode + decode vs JSON |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const [shape, value] of Object.entries(shapes)) {
  let jsonBytes;
  let jsonTotal;
  for (const [name, codec] of Object.entries(codecs)) {
    if (codec.skip?.(value)) continue;
    const encoded = codec.encode(value);
    // As webSocket() receives it: a string for a text frame, a fresh Uint8Array of an ArrayBuffer for a binary one.
    const wire = typeof encoded === 'string' ? encoded : new Uint8Array(encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength));
    const roundTrip = codec.decode(wire);
    if (JSON.stringify(roundTrip, jsonReplacer) !== JSON.stringify(value, jsonReplacer)) throw new Error(`${name} does not round-trip ${shape}`);
    const bytes = codec.bytes(encoded);
    const encodeUs = timePerCall(() => codec.encode(value));
    const decodeUs = timePerCall(() => codec.decode(wire));
    if (codec.baseline) {
      jsonBytes = bytes;
      jsonTotal = encodeUs + decodeUs;
    }
    console.log(`| ${shape} | ${name} | ${bytes} | ${(bytes / jsonBytes).toFixed(2)}x | ${encodeUs.toFixed(3)} | ${decodeUs.toFixed(3)} | ${((encodeUs + decodeUs) / jsonTotal).toFixed(2)}x |`);
  }
}
