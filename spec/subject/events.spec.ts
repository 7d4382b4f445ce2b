// The connection's events as observables: open$, message$, error$, close$, state$ — passive, hot,
// across connections — and bufferedAmount.
import { MessageEvent as RxwsMessageEvent, webSocket, type ConnectionState } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import type { Observable } from 'rxjs';
import { delay, record, until } from './helpers.js';

useTestServers();

test('subscribing to the event streams never opens a connection', async () => {
  const server = await createTestServer();
  const ws$ = webSocket(server.url);
  const streams: Observable<unknown>[] = [ws$.open$, ws$.message$, ws$.error$, ws$.close$, ws$.state$, ws$.decodeError$, ws$.dropped$];
  const subs = streams.map((s) => s.subscribe());
  await delay(50); // a quiet window is the behaviour under test: nothing connects (the state stays 'idle')
  expect(server.handshakes).toHaveLength(0);
  expect(ws$.state).toBe('idle');
  subs.forEach((s) => s.unsubscribe());
});

test('state$ replays the current state at once, to every subscriber', async () => {
  const server = await createTestServer();
  const ws$ = webSocket(server.url);
  const first: ConnectionState[] = [];
  ws$.state$.subscribe((s) => first.push(s));
  expect(first).toEqual(['idle']);
  const r = record(ws$);
  await until(() => ws$.state === 'open');
  const late: ConnectionState[] = [];
  ws$.state$.subscribe((s) => late.push(s));
  expect(late).toEqual(['open']);
  r.subscription.unsubscribe();
  await until(() => ws$.state === 'closed');
  expect(first).toEqual(['idle', 'connecting', 'open', 'closing', 'closed']);
  expect(late).toEqual(['open', 'closing', 'closed']);
  expect(ws$.state$).toBe(ws$.state$); // one stream per subject
});

test('open$, message$, error$ and close$ keep working across connections', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<unknown>(server.url);
  const log: string[] = [];
  ws$.open$.subscribe((e) => log.push(`open$ ${e.type}`));
  ws$.message$.subscribe((e) => log.push(`message$ ${String(e.data)}`));
  ws$.error$.subscribe((e) => log.push(`error$ ${e.type}`));
  ws$.close$.subscribe((e) => log.push(`close$ ${e.code} ${e.reason} ${e.wasClean}`));

  const a = record(ws$);
  const c1 = await server.nextConnection();
  c1.send({ n: 1 });
  await until(() => a.values.length === 1);
  await c1.close(1001, 'bye');
  await a.done;

  const b = record(ws$);
  const c2 = await server.nextConnection();
  c2.send({ n: 2 });
  await until(() => b.values.length === 1);
  c2.drop();
  await b.done;

  expect(log).toEqual([
    'open$ open',
    'message$ {"n":1}',
    'close$ 1001 bye true',
    'open$ open',
    'message$ {"n":2}',
    'error$ error',
    'close$ 1006  false',
  ]);
});

test('message$ emits the raw MessageEvent, even when the deserializer throws', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<unknown>(server.url); // JSON.parse
  const raw: MessageEvent[] = [];
  ws$.message$.subscribe((e) => raw.push(e));
  const r = record(ws$);
  const connection = await server.nextConnection();
  connection.send('not json');
  connection.send('{"ok":true}');
  await until(() => raw.length === 2);
  expect(raw[0]).toBeInstanceOf(RxwsMessageEvent);
  expect(raw.map((e) => e.data)).toEqual(['not json', '{"ok":true}']);
  await until(() => r.values.length === 1);
  expect(r.values).toEqual([{ ok: true }]);
  r.subscription.unsubscribe();
});

test('error$ carries the cause on Node (ErrorEvent.error); a connection error is followed by close$', async () => {
  const server = await createTestServer();
  server.refuseNext(1, 401);
  const ws$ = webSocket(server.url);
  const errors: Event[] = [];
  const closes: CloseEvent[] = [];
  ws$.error$.subscribe((e) => errors.push(e));
  ws$.close$.subscribe((e) => closes.push(e));
  await record(ws$).done;
  expect(errors).toHaveLength(1);
  expect(String((errors[0] as ErrorEvent).error)).toMatch(/401/);
  expect(closes.map((c) => c.code)).toEqual([1006]);
});

test('bufferedAmount reads the live socket (0 with no connection)', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<string>({ url: server.url, serializer: (s) => s });
  expect(ws$.bufferedAmount).toBe(0);
  const r = record(ws$);
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open');
  connection.stopReading();
  const chunk = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 16; i++) ws$.next(chunk);
  expect(ws$.bufferedAmount).toBeGreaterThan(0);
  connection.resumeReading();
  await until(() => ws$.bufferedAmount === 0, 5000, 'the buffer to drain');
  r.subscription.unsubscribe();
  await until(() => ws$.state === 'closed');
  expect(ws$.bufferedAmount).toBe(0);
});
