// docs/subject.md's binary codec recipes, run for real: MessagePack (@msgpack/msgpack) and CBOR
// (cbor-x) as webSocket()'s serializer and deserializer, each against a test server speaking the
// same codec. Neither is a dependency of rxws: an application installs the codec it uses.
// (cbor-x is a dev dependency; package.json overrides its optional cbor-extract to 2.2.2: 2.2.3's
// per-platform packages are not on the registry at 2.2.3, so npm cannot lock them and `npm ci`
// refuses the lockfile. npm runs no install script of it here, and cbor-x works without it.)
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { firstValueFrom } from 'rxjs';
import { webSocket, type WebSocketSubjectConfig } from 'rxws';
import { createTestServer, useTestServers, type Codec } from 'rxws/testing';
import { until } from './helpers.js';

useTestServers();

interface Order {
  readonly id: number;
  readonly symbol: string;
  readonly qty: number;
  readonly price: number;
}
interface Fill {
  readonly order: number;
  readonly at: number;
  readonly receipt: Uint8Array;
}

// The recipes, as docs/subject.md shows them.
const bytesOf = (data: unknown): Uint8Array => new Uint8Array(data as ArrayBuffer);
function msgpackConfig(url: string): WebSocketSubjectConfig<Order, Fill> {
  return {
    url,
    binaryType: 'arraybuffer',
    serializer: (value) => msgpackEncode(value),
    deserializer: (event) => msgpackDecode(bytesOf(event.data)) as Fill,
  };
}
function cborConfig(url: string): WebSocketSubjectConfig<Order, Fill> {
  return {
    url,
    binaryType: 'arraybuffer',
    serializer: (value) => cborEncode(value),
    deserializer: (event) => cborDecode(bytesOf(event.data)) as Fill,
  };
}
// The server side of each, for the test kit.
const plainBytes = (data: unknown): Uint8Array => (typeof data === 'string' ? new TextEncoder().encode(data) : (data as Uint8Array));
const codecs: Record<string, { config: (url: string) => WebSocketSubjectConfig<Order, Fill>; server: Codec; invalid: number[] }> = {
  MessagePack: { config: msgpackConfig, server: { name: 'msgpack', decode: (data) => msgpackDecode(plainBytes(data)), encode: (message) => msgpackEncode(message) }, invalid: [0xc1] }, // a byte MessagePack reserves (never used)
  CBOR: { config: cborConfig, server: { name: 'cbor', decode: (data) => cborDecode(plainBytes(data)), encode: (message) => cborEncode(message) }, invalid: [0x1c] }, // additional information 28: reserved
};

describe.each(Object.keys(codecs))('the %s recipe', (name) => {
  const { config, server: codec, invalid } = codecs[name]!;

  it('sends and receives structured messages as binary frames, bytes included, both ways', async () => {
    const server = await createTestServer({ codec });
    server.on((m: Order) => typeof m.id === 'number').reply((m: Order) => ({ order: m.id, at: 1_733_580_000_000, receipt: new Uint8Array([m.id, 0, 255]) }));
    const orders = webSocket<Order, Fill>(config(server.url));
    const fill = firstValueFrom(orders);
    orders.next({ id: 7, symbol: 'EURUSD', qty: 1_000_000, price: 1.0842 });
    expect(await server.nextMessage()).toEqual({ id: 7, symbol: 'EURUSD', qty: 1_000_000, price: 1.0842 });
    const got = await fill;
    expect(got).toMatchObject({ order: 7, at: 1_733_580_000_000 });
    expect([...got.receipt]).toEqual([7, 0, 255]);
    const connection = server.connections[0]!;
    expect(connection.transcript.filter((entry) => entry.direction === 'in').map((entry) => entry.kind)).toEqual(['binary']);
    orders.complete();
  });

  it('a frame the codec cannot decode goes to decodeError$, and the connection goes on', async () => {
    const server = await createTestServer({ codec });
    const orders = webSocket<Order, Fill>(config(server.url));
    const errors: unknown[] = [];
    orders.decodeError$.subscribe((failure) => errors.push(failure));
    const fills: Fill[] = [];
    orders.subscribe((f) => fills.push(f));
    const connection = await server.nextConnection();
    connection.raw.send(Buffer.from(invalid)); // a frame the codec refuses
    connection.send({ order: 8, at: 0, receipt: new Uint8Array() });
    await until(() => fills.length === 1 && errors.length === 1);
    expect(fills[0]!.order).toBe(8);
    orders.complete();
  });
});
