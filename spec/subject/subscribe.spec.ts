// subscribe() on the subject: an observer or a function is called directly (one subscriber object
// per subscription), with rxjs's contract: errors nobody handles are reported through rxjs's
// config, the returned Subscription takes teardowns, and rxjs Subscribers (operators) and the
// deprecated forms still work.
import { webSocket } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { config, map, Subscription, take, toArray, firstValueFrom } from 'rxjs';
import { until } from './helpers.js';

useTestServers();

afterEach(() => {
  config.onUnhandledError = null;
});

test('an observer object gets messages, and its `this` is the observer', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<string>({ url: server.url, deserializer: (e) => e.data as string });
  const seen: string[] = [];
  const observer = {
    prefix: '>',
    next(this: { prefix: string }, value: string) {
      seen.push(this.prefix + value);
    },
  };
  const subscription = ws$.subscribe(observer);
  expect(subscription).toBeInstanceOf(Subscription);
  const connection = await server.nextConnection();
  connection.send('a');
  connection.send('b');
  await until(() => seen.length === 2);
  expect(seen).toEqual(['>a', '>b']);
  subscription.unsubscribe();
  expect((await connection.waitForClose()).code).toBe(1000);
});

test('a function subscriber gets messages; a throw in it is reported through config.onUnhandledError and the next message still arrives', async () => {
  const server = await createTestServer();
  const reported: unknown[] = [];
  config.onUnhandledError = (error) => reported.push(error);
  const ws$ = webSocket<string>({ url: server.url, deserializer: (e) => e.data as string });
  const seen: string[] = [];
  const boom = new Error('handler broke');
  const subscription = ws$.subscribe((value) => {
    seen.push(value);
    if (value === 'a') throw boom;
  });
  const connection = await server.nextConnection();
  connection.send('a');
  connection.send('b');
  await until(() => seen.length === 2 && reported.length === 1);
  expect(seen).toEqual(['a', 'b']);
  expect(reported).toEqual([boom]);
  expect(connection.isOpen).toBe(true);
  subscription.unsubscribe();
});

test('an error with no error callback is reported through config.onUnhandledError; with one, only the callback hears it', async () => {
  const server = await createTestServer();
  const reported: unknown[] = [];
  config.onUnhandledError = (error) => reported.push(error);
  const ws$ = webSocket<string>(server.url);
  const heard: unknown[] = [];
  const bare = ws$.subscribe(() => {});
  const handled = ws$.subscribe({ error: (error) => heard.push(error) });
  const connection = await server.nextConnection();
  connection.close(4001, 'go away');
  await until(() => reported.length === 1 && heard.length === 1);
  expect(reported[0]).toMatchObject({ name: 'WebSocketCloseError', code: 4001, reason: 'go away' });
  expect(heard[0]).toBe(reported[0]);
  expect(bare.closed).toBe(true);
  expect(handled.closed).toBe(true);
});

test('teardowns added to the returned subscription run on unsubscribe and on the end of the connection', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<string>(server.url);
  const ran: string[] = [];
  const first = ws$.subscribe({ complete: () => ran.push('completed') });
  first.add(() => ran.push('first teardown'));
  const second = ws$.subscribe(() => {});
  second.add(() => ran.push('second teardown'));
  const connection = await server.nextConnection();
  second.unsubscribe();
  expect(ran).toEqual(['second teardown']);
  expect(connection.isOpen).toBe(true); // one subscriber is left
  connection.close(1000);
  await until(() => ran.length === 3);
  expect(ran).toEqual(['second teardown', 'completed', 'first teardown']);
  expect(first.closed).toBe(true);
});

test('operators (rxjs Subscribers) and the deprecated three-callback form go through rxjs and behave the same', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<number>(server.url);
  const doubled = firstValueFrom(ws$.pipe(map((n) => n * 2), take(2), toArray()));
  const seen: number[] = [];
  let completed = false;
  const legacy = ws$.subscribe(
    (n) => seen.push(n),
    undefined,
    () => (completed = true),
  );
  const connection = await server.nextConnection();
  connection.send('1');
  connection.send('2');
  expect(await doubled).toEqual([2, 4]);
  await until(() => seen.length === 2);
  expect(seen).toEqual([1, 2]);
  connection.close(1000);
  await until(() => completed);
  expect(legacy.closed).toBe(true);
});

test('after unsubscribe nothing more is delivered to the observer', async () => {
  const server = await createTestServer();
  const ws$ = webSocket<string>({ url: server.url, deserializer: (e) => e.data as string });
  const seen: string[] = [];
  const kept: string[] = [];
  const keep = ws$.subscribe((value) => kept.push(value));
  const leaving = ws$.subscribe((value) => {
    seen.push(value);
    leaving.unsubscribe(); // from inside its own callback
  });
  const connection = await server.nextConnection();
  connection.send('a');
  connection.send('b');
  connection.send('c');
  await until(() => kept.length === 3);
  expect(seen).toEqual(['a']);
  expect(leaving.closed).toBe(true);
  expect(connection.isOpen).toBe(true);
  keep.unsubscribe();
});
