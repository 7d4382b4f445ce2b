// The subject is never dead: after an error, a close or subject.unsubscribe(), a new
// subscription reconnects; RxJS operators (retry, repeat, share, takeUntil) compose with it.
import { webSocket, type ConnectionState } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { Subject, retry, repeat, share, takeUntil } from 'rxjs';
import { record, until } from './helpers.js';

useTestServers();

test('after subject.unsubscribe(), subscribe() reconnects (rxjs throws ObjectUnsubscribedError)', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>(server.url);
  const a = record(ws$);
  const c1 = await server.nextConnection();
  ws$.unsubscribe();
  await c1.waitForClose();
  await a.done;
  const b = record(ws$);
  const c2 = await server.nextConnection();
  c2.send('again');
  await until(() => b.values.length === 1);
  expect(b.values).toEqual(['again']);
  b.subscription.unsubscribe();
});

test('after a server error and after a client close, the next subscriber reconnects', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>(server.url);
  const a = record(ws$);
  await (await server.nextConnection()).close(1011);
  await a.done;
  const b = record(ws$);
  const c2 = await server.nextConnection();
  await until(() => ws$.state === 'open');
  ws$.complete();
  await c2.waitForClose();
  await b.done;
  const c = record(ws$);
  const c3 = await server.nextConnection();
  c3.send('third');
  await until(() => c.values.length === 1);
  c.subscription.unsubscribe();
  expect(server.connections.map((x) => x.id)).toEqual([1, 2, 3]);
});

test('retry() reconnects after a server restart (1012); openObserver fires on every open', async () => {
  const server = await createTestServer({ json: true });
  let opens = 0;
  const ws$ = webSocket<string>({ url: server.url, openObserver: { next: () => opens++ } });
  const r = record(ws$.pipe(retry({ count: 3, delay: 10 })));
  const c1 = await server.nextConnection();
  c1.send('one');
  await until(() => r.values.length === 1);
  await server.restart();
  const c2 = await server.nextConnection();
  c2.send('two');
  await until(() => r.values.length === 2);
  expect(r.values).toEqual(['one', 'two']);
  expect(r.notes.filter((n) => n.kind !== 'N')).toEqual([]);
  expect(opens).toBe(2);
  r.subscription.unsubscribe();
  await expect(c2.waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('repeat() reconnects after a clean 1000 from the server', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>(server.url);
  const r = record(ws$.pipe(repeat({ count: 2 })));
  await (await server.nextConnection()).close(1000);
  const c2 = await server.nextConnection();
  c2.send('after repeat');
  await until(() => r.values.length === 1);
  await c2.close(1000);
  await expect(r.done).resolves.toEqual({ kind: 'C' });
});

test('share() and takeUntil() compose; takeUntil closes with 1000', async () => {
  const server = await createTestServer({ json: true });
  const stop = new Subject<void>();
  const ws$ = webSocket<{ n: number }>(server.url);
  const shared = ws$.pipe(takeUntil(stop), share());
  const a = record(shared);
  const b = record(shared);
  const connection = await server.nextConnection();
  connection.send({ n: 1 });
  await until(() => a.values.length === 1 && b.values.length === 1);
  stop.next();
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  expect(a.notes.at(-1)).toEqual({ kind: 'C' });
  expect(server.connections).toHaveLength(1);
});

test('a subscriber arriving while the client closes the connection gets a new one at once (as rxjs); the old one finishes closing on its own', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>(server.url);
  const states: ConnectionState[] = [];
  const closes: number[] = [];
  ws$.state$.subscribe((s) => states.push(s));
  ws$.close$.subscribe((e) => closes.push(e.code));
  const a = record(ws$);
  const c1 = await server.nextConnection();
  await until(() => ws$.state === 'open');
  ws$.close(4000);
  const b = record(ws$); // arrives during the closing handshake
  expect(ws$.state).toBe('connecting');
  const c2 = await server.nextConnection();
  await expect(c1.waitForClose()).resolves.toMatchObject({ code: 4000 });
  await expect(a.done).resolves.toEqual({ kind: 'C' }); // the old connection's subscribers complete when it has closed
  expect(b.notes).toEqual([]); // b belongs to the new connection
  c2.send('for b');
  await until(() => b.values.length === 1);
  await until(() => closes.length === 1);
  expect(closes).toEqual([4000]);
  expect(ws$.state).toBe('open'); // the old close does not touch the new connection's state
  expect(states).toEqual(['idle', 'connecting', 'open', 'closing', 'connecting', 'open']);
  b.subscription.unsubscribe();
  await expect(c2.waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('resubscribing synchronously from an error handler (retry without delay) reconnects cleanly', async () => {
  const server = await createTestServer({ json: true });
  const ws$ = webSocket<string>(server.url);
  const r = record(ws$.pipe(retry(2)));
  await (await server.nextConnection()).close(1012);
  const c2 = await server.nextConnection();
  c2.send('x');
  await until(() => r.values.length === 1);
  r.subscription.unsubscribe();
});
