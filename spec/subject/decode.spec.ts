// A deserializer that throws does not kill the connection for everyone: the failure goes to
// decodeError$ (or, with onDecodeError: 'error', errors the subscribers as rxjs does).
import { MessageEvent as RxwsMessageEvent, webSocket, type DecodeFailure } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { retry } from 'rxjs';
import { record, until } from './helpers.js';

useTestServers();

test("by default a bad frame goes to decodeError$ and every subscriber carries on", async () => {
  const server = await createTestServer();
  const ws$ = webSocket<unknown>(server.url);
  const failures: DecodeFailure[] = [];
  ws$.decodeError$.subscribe((f) => failures.push(f));
  const a = record(ws$);
  const b = record(ws$);
  const connection = await server.nextConnection();
  connection.send('{"n":1}');
  connection.send('{broken');
  connection.send('{"n":2}');
  await until(() => a.values.length === 2 && b.values.length === 2);
  expect(a.values).toEqual([{ n: 1 }, { n: 2 }]);
  expect(b.notes.every((n) => n.kind === 'N')).toBe(true);
  expect(failures).toHaveLength(1);
  expect(failures[0]!.event).toBeInstanceOf(RxwsMessageEvent);
  expect(failures[0]!.event.data).toBe('{broken');
  expect(failures[0]!.error).toBeInstanceOf(SyntaxError);
  expect(connection.isOpen).toBe(true);
  a.subscription.unsubscribe();
  b.subscription.unsubscribe();
});

test("onDecodeError: 'error' errors every subscriber with the deserializer's error, then closes with 1000", async () => {
  const server = await createTestServer();
  const boom = new Error('cannot decode');
  let closing = 0;
  const ws$ = webSocket<string>({
    url: server.url,
    onDecodeError: 'error',
    deserializer: (e) => {
      if (e.data === 'bad') throw boom;
      return String(e.data);
    },
    closingObserver: { next: () => closing++ },
  });
  const a = record(ws$);
  const b = record(ws$);
  const connection = await server.nextConnection();
  connection.send('good');
  connection.send('bad');
  await expect(a.done).resolves.toEqual({ kind: 'E', error: boom });
  await expect(b.done).resolves.toEqual({ kind: 'E', error: boom });
  expect(a.values).toEqual(['good']);
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  expect(closing).toBe(1);
  // ...and the subject lives on.
  const c = record(ws$);
  const c2 = await server.nextConnection();
  c2.send('again');
  await until(() => c.values.length === 1);
  c.subscription.unsubscribe();
});

test("onDecodeError: 'error' with retry(): the retried subscriber gets a new connection, not the one closing", async () => {
  const server = await createTestServer();
  const ws$ = webSocket<string>({
    url: server.url,
    onDecodeError: 'error',
    deserializer: (e) => {
      if (e.data === 'bad') throw new Error('bad frame');
      return String(e.data);
    },
  });
  const r = record(ws$.pipe(retry(1)));
  const c1 = await server.nextConnection();
  c1.send('bad');
  await expect(c1.waitForClose()).resolves.toMatchObject({ code: 1000 });
  const c2 = await server.nextConnection();
  c2.send('ok');
  await until(() => r.values.length === 1);
  expect(r.values).toEqual(['ok']);
  expect(r.notes).toEqual([{ kind: 'N', value: 'ok' }]);
  r.subscription.unsubscribe();
});
