// Bad config fails fast with a TypeError naming the option; WebSocketSubject<In, Out> types.
import { webSocket, WebSocketSubject, type WebSocketSubjectConfig } from 'rxws';
import { map, type Observable } from 'rxjs';

test.each([
  [undefined, /expected a URL or a config object/],
  [42, /expected a URL or a config object/],
  [{}, /'url' is required/],
  [{ url: 42 }, /'url' must be a string, a URL or a function/],
  [{ url: 'ws://x', serialiser: JSON.stringify }, /unknown option 'serialiser' \(known: url, protocol, .*serializer/],
  [{ url: 'ws://x', protocol: [1] }, /'protocol' must be a string or string\[\], not an array\./],
  [{ url: 'ws://x', serializer: 'json' }, /'serializer' must be a function, not "json"\./],
  [{ url: 'ws://x', deserializer: null }, /'deserializer' must be a function/],
  [{ url: 'ws://x', openObserver: () => {} }, /'openObserver' must be an observer \{ next\(\) \}, not a function\./],
  [{ url: 'ws://x', closeObserver: {} }, /'closeObserver' must be an observer/],
  [{ url: 'ws://x', WebSocketCtor: {} }, /'WebSocketCtor' must be a function/],
  [{ url: 'ws://x', WebSocketCtor: class {}, createWebSocket: (): null => null }, /'createWebSocket' cannot be combined with 'WebSocketCtor'/],
  [{ url: 'ws://x', createWebSocket: (): null => null, options: {} }, /'createWebSocket' cannot be combined with 'options'/],
  [{ url: 'ws://x', binaryType: 'buffer' }, /'binaryType' must be 'blob', 'arraybuffer' or 'nodebuffer'/],
  [{ url: 'ws://x', onDecodeError: 'ignore' }, /'onDecodeError' must be 'emit' or 'error'/],
  [{ url: 'ws://x', queue: 10 }, /'queue' must be an object/],
  [{ url: 'ws://x', queue: { limit: -1 } }, /'queue.limit' must be a whole number >= 0 or Infinity/],
  [{ url: 'ws://x', queue: { limit: 1.5 } }, /'queue.limit'/],
  [{ url: 'ws://x', queue: { overflow: 'drop' } }, /'queue.overflow' must be 'drop-oldest', 'drop-newest' or 'error'/],
  [{ url: 'ws://x', queue: { max: 1 } }, /unknown queue option 'max' \(known: limit, overflow\)/],
  [{ url: 'ws://x', socket: {} }, /'socket' must be a WebSocket/],
  [{ url: 'ws://x', closingObserver: null }, /'closingObserver' must be an observer/],
  [{ url: 'ws://x', options: 'x' }, /'options' must be an object, not "x"\./],
  [{ url: 'ws://x', queue: { limit: '10' } }, /'queue.limit' must be a whole number >= 0 or Infinity, not "10"\./],
  [{ url: 'ws://x', toString: 1 }, /unknown option 'toString'/],
  // The capabilities beyond rxjs/webSocket's are made by their own functions (docs/migration.md):
  [{ url: 'ws://x', heartbeat: true }, /'heartbeat' must be made by heartbeat\(\) \(see docs\/migration\.md\), not true\./],
  [{ url: 'ws://x', heartbeat: { interval: 1000 } }, /'heartbeat' must be made by heartbeat\(\) .*docs\/migration\.md/],
  [{ url: 'ws://x', backpressure: { highWaterMark: 1 } }, /'backpressure' must be made by backpressure\(\) or false .*docs\/migration\.md/],
  [{ url: 'ws://x', handshake: () => undefined }, /'handshake' must be made by handshake\(\) .*docs\/migration\.md.*, not a function\./],
])('webSocket(%p) throws a TypeError', (config, message) => {
  expect(() => webSocket(config as never)).toThrow(TypeError);
  expect(() => webSocket(config as never)).toThrow(message);
});

test.each([
  ['a URL object', new URL('ws://127.0.0.1:1/')],
  ['a url function', { url: () => 'ws://127.0.0.1:1' }],
  ['every option at once', {
    url: 'ws://127.0.0.1:1', protocol: ['a', 'b'], serializer: String, deserializer: (e: MessageEvent) => e.data, resultSelector: (e: MessageEvent) => e.data,
    openObserver: { next() {} }, closeObserver: { next() {} }, closingObserver: { next() {} }, WebSocketCtor: class {}, options: {}, binaryType: 'arraybuffer',
    queue: { limit: Infinity, overflow: 'error' }, onDecodeError: 'error', backpressure: false, heartbeat: undefined,
  }],
  ['queue limit 0', { url: 'ws://127.0.0.1:1', queue: { limit: 0, overflow: undefined } }],
])('webSocket(%s) is accepted', (_, config) => {
  expect(webSocket(config as never).state).toBe('idle');
});

test("subject.multiplex() takes rxjs's three arguments: a fourth (rxws 0.1's options) throws, naming multiplex(subject, …)", () => {
  const ws$ = webSocket<unknown>('ws://127.0.0.1:1');
  const multiplex = ws$.multiplex as (...args: unknown[]) => unknown;
  expect(() => multiplex.call(ws$, () => 1, () => 2, () => true, { key: 'a' })).toThrow(/rxws's multiplex\(subject, \.\.\.\) function/);
  expect(() => ws$.multiplex(() => 1, () => 2, () => true)).not.toThrow();
});

test('new WebSocketSubject(config) is the same as webSocket(config); nothing connects', () => {
  const subject = new WebSocketSubject<string>('ws://127.0.0.1:1');
  expect(subject.state).toBe('idle');
});

test('types: In is what next() takes, Out what subscribers get', () => {
  interface Command { op: 'sub'; topic: string }
  interface Update { topic: string; value: number }
  const config: WebSocketSubjectConfig<Command, Update> = { url: 'ws://127.0.0.1:1' };
  const ws$ = webSocket<Command, Update>(config);
  const values: Observable<number> = ws$.pipe(map((u) => u.value));
  void values;
  ws$.next({ op: 'sub', topic: 'a' });
  // @ts-expect-error an Update is not a Command
  ws$.next({ topic: 'a', value: 1 });
  const topics: Observable<Update> = ws$.multiplex(() => ({ op: 'sub', topic: 'a' }), () => ({ op: 'sub', topic: 'a' }), (u) => u.topic === 'a');
  void topics;
  // One type argument: the same type both ways, as rxjs's WebSocketSubject<T>.
  const same = webSocket<number>('ws://127.0.0.1:1');
  same.next(1);
  const n: Observable<number> = same;
  void n;
  ws$.clearQueue();
  same.clearQueue();
});
