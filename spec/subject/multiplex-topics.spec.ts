// multiplex(): shared, reference-counted per topic, reconnect-aware; against a real server that
// implements a small topic protocol (spec/subject/topic-protocol.ts).
import { multiplex, channel, webSocket, WebSocketCloseError, subjectOf, kSubject } from 'rxws';
import { useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';
import { retry, type Observable } from 'rxjs';
import { record, until, delay } from './helpers.js';
import { keepConnected, topicServer, typesOf, type Command, type Message } from './topic-protocol.js';

useTestServers();

const topic = (socket: ReturnType<typeof webSocket<Command, Message>>, name: string, options?: { key?: unknown }): Observable<Message> =>
  multiplex(socket, 
    () => ({ type: 'sub', topic: name }),
    () => ({ type: 'unsub', topic: name }),
    (m) => m.topic === name,
    options,
  );

describe('reference counting', () => {
  test('many subscribers joining and leaving: one sub when the first joins, one unsub when the last leaves', async () => {
    const { server, publish, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const a$ = topic(socket, 'a');
    const b$ = topic(socket, 'b');
    const as = Array.from({ length: 50 }, () => record(a$));
    const bs = Array.from({ length: 30 }, () => record(b$));
    const connection = await server.nextConnection();
    await expect(connection).toReceiveMessage({ type: 'sub', topic: 'a' });
    await expect(connection).toReceiveMessage({ type: 'sub', topic: 'b' });

    publish('a', 1);
    publish('b', 2);
    await until(() => as.every((r) => r.values.length === 1) && bs.every((r) => r.values.length === 1));
    expect(as[7]!.values).toEqual([{ topic: 'a', data: 1 }]);
    expect(bs[3]!.values).toEqual([{ topic: 'b', data: 2 }]);

    // 49 of 50 leave: no message; late joiners: no message.
    for (const r of as.slice(1)) r.subscription.unsubscribe();
    const late = Array.from({ length: 10 }, () => record(a$));
    await connection.expectNoMessage(50);
    expect(count('sub', 'a')).toBe(1);
    expect(count('unsub', 'a')).toBe(0);
    publish('a', 3);
    await until(() => late.every((r) => r.values.length === 1) && as[0]!.values.length === 2);
    expect(as[1]!.values).toHaveLength(1); // those who left got nothing more

    // The last ones leave: one unsub.
    as[0]!.subscription.unsubscribe();
    for (const r of late) r.subscription.unsubscribe();
    await expect(connection).toReceiveMessage({ type: 'unsub', topic: 'a' });
    expect(count('unsub', 'a')).toBe(1);

    // Rejoining starts the topic again: one new sub.
    const again = [record(a$), record(a$)];
    await expect(connection).toReceiveMessage({ type: 'sub', topic: 'a' });
    for (const r of [...again, ...bs]) r.subscription.unsubscribe();
    await until(() => count('unsub') === 3);
    expect(count('sub')).toBe(3);
    expect(count('unsub', 'b')).toBe(1);
    // The last topic leaving was the subject's last subscriber: the connection closes with 1000.
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  });

  test('a key makes separate multiplex() calls share one topic', async () => {
    const { server, publish, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const one = record(topic(socket, 'k', { key: 'k' }));
    const two = record(topic(socket, 'k', { key: 'k' }));
    const other = record(topic(socket, 'k')); // no key: its own topic (rxjs's meaning)
    await until(() => count('sub') === 2);
    publish('k', 'x');
    await until(() => one.values.length === 1 && two.values.length === 1 && other.values.length === 1);
    one.subscription.unsubscribe();
    // A quiet window, closed by a probe sent after it: an unsub sent meanwhile would have arrived first.
    await delay(30);
    socket.next({ type: 'pub', topic: 'probe', data: 0 });
    await until(() => count('pub', 'probe') === 1);
    expect(count('unsub')).toBe(0);
    two.subscription.unsubscribe();
    await until(() => count('unsub') === 1);
    other.subscription.unsubscribe();
    await until(() => count('unsub') === 2);
  });

  test('a topic that starts and ends before the connection opens sends nothing', async () => {
    const { server, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const keep = record(socket);
    const gone = record(topic(socket, 'gone'));
    gone.subscription.unsubscribe(); // still connecting
    const stays = record(topic(socket, 'stays'));
    const connection = await server.nextConnection();
    await expect(connection).toReceiveMessage({ type: 'sub', topic: 'stays' });
    await connection.expectNoMessage(50);
    expect(count('sub', 'gone') + count('unsub', 'gone')).toBe(0);
    stays.subscription.unsubscribe();
    keep.subscription.unsubscribe();
  });

  test('streams carry the subject they belong to (kSubject)', () => {
    const socket = webSocket<Command, Message>('ws://127.0.0.1:1');
    const a$ = topic(socket, 'a');
    expect(subjectOf(a$)).toBe(socket);
    expect((a$ as unknown as Record<symbol, unknown>)[kSubject]).toBe(socket);
    expect(Object.keys(a$)).not.toContain(kSubject);
  });
});

describe('errors end only that stream', () => {
  test('a throwing messageFilter errors every subscriber of that topic; other topics and the socket carry on', async () => {
    const { server, publish, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const boom = new Error('boom');
    const bad$ = multiplex(socket, () => ({ type: 'sub', topic: 'bad' }), () => ({ type: 'unsub', topic: 'bad' }), (m) => {
      if (m.topic === 'bad') throw boom;
      return false;
    });
    const bad = [record(bad$), record(bad$)];
    const good = record(topic(socket, 'good'));
    const main = record(socket);
    await until(() => count('sub') === 2);
    publish('bad', 1);
    await expect(bad[0]!.done).resolves.toEqual({ kind: 'E', error: boom });
    await expect(bad[1]!.done).resolves.toEqual({ kind: 'E', error: boom });
    await until(() => count('unsub', 'bad') === 1); // the topic ended: unsubscribed once
    publish('good', 2);
    await until(() => good.values.length === 1);
    expect(main.notes.every((n) => n.kind === 'N')).toBe(true);
    for (const r of [good, main]) r.subscription.unsubscribe();
  });

  test('a throwing subMsg errors that subscriber at once and registers nothing; a throwing unsubMsg leaves the others alone', async () => {
    const { server, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const boom = new Error('boom');
    const main = record(socket);
    const bad = record(multiplex(socket, () => { throw boom; }, () => ({ type: 'unsub', topic: 'x' }), () => true));
    expect(bad.notes).toEqual([{ kind: 'E', error: boom }]);
    const badUnsub = record(multiplex(socket, () => ({ type: 'sub', topic: 'u' }), () => { throw boom; }, () => true));
    const good = record(topic(socket, 'good'));
    await until(() => count('sub') === 2);
    badUnsub.subscription.unsubscribe();
    // A quiet window, closed by a probe sent after it: an unsub sent meanwhile would have arrived first.
    await delay(30);
    socket.next({ type: 'pub', topic: 'probe', data: 0 });
    await until(() => count('pub', 'probe') === 1);
    expect(count('unsub')).toBe(0);
    good.subscription.unsubscribe();
    await until(() => count('unsub', 'good') === 1);
    expect(main.notes.every((n) => n.kind === 'N')).toBe(true);
    main.subscription.unsubscribe();
  });
});

describe('across connections', () => {
  test('after a server restart every live topic is re-subscribed before any queued message, and subscribers keep receiving', async () => {
    const { server, publish, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const stop = keepConnected(socket);
    const a = record(topic(socket, 'a'));
    const b = [record(topic(socket, 'b', { key: 'b' })), record(topic(socket, 'b', { key: 'b' }))];
    const first = await server.nextConnection();
    await until(() => count('sub') === 2);
    publish('a', 1);
    await until(() => a.values.length === 1);

    const restarted = server.restart({ downtime: 80 });
    await until(() => socket.state !== 'open');
    // Sent while the server is down: queued for the next connection.
    socket.next({ type: 'pub', topic: 'a', data: 'queued-1' });
    socket.next({ type: 'pub', topic: 'b', data: 'queued-2' });
    // A topic started while down goes out with the others, before the queue.
    const c = record(topic(socket, 'c'));
    await restarted;
    const second = await server.nextConnection({ timeout: 5000 });
    await until(() => second.messages.length >= 5);
    expect(typesOf(second.messages)).toEqual(['sub:a', 'sub:b', 'sub:c', 'pub:a', 'pub:b']);
    expect(first.closeInfo?.code).toBe(1012);

    publish('a', 2);
    publish('b', 3);
    publish('c', 4);
    await until(() => a.values.length === 2 && b.every((r) => r.values.length === 1) && c.values.length === 1);
    // Nobody saw the drop.
    for (const r of [a, ...b, c]) expect(r.notes.every((n) => n.kind === 'N')).toBe(true);
    expect(a.values.map((m) => m.data)).toEqual([1, 2]);
    stop();
    for (const r of [a, ...b, c]) r.subscription.unsubscribe();
  });

  test('no unsubscribe goes to a closed socket, nor to the next connection', async () => {
    const { server, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const stop = keepConnected(socket, 60);
    const a = record(topic(socket, 'a'));
    const b = record(topic(socket, 'b'));
    const first = await server.nextConnection();
    await until(() => count('sub') === 2);
    first.drop(); // 1006
    await until(() => socket.state !== 'open');
    a.subscription.unsubscribe(); // while no connection is open
    const second = await server.nextConnection({ timeout: 5000 });
    await expect(second).toReceiveMessage({ type: 'sub', topic: 'b' });
    await second.expectNoMessage(80);
    expect(count('unsub')).toBe(0);
    expect(count('sub', 'a')).toBe(1); // not re-subscribed either
    b.subscription.unsubscribe();
    await expect(second).toReceiveMessage({ type: 'unsub', topic: 'b' }); // open: sent
    stop();
    await second.waitForClose();
    expect(count('unsub')).toBe(1);
  });

  test('without a reconnect holding the subject, topic subscribers see the connection error (as the subject\'s do), and nothing is re-sent', async () => {
    const { server, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const a = record(topic(socket, 'a'));
    const first = await server.nextConnection();
    await expect(first).toReceiveMessage({ type: 'sub', topic: 'a' });
    await first.close(1011, 'oops');
    const end = await a.done;
    expect(end).toMatchObject({ kind: 'E' });
    expect((end as { error: unknown }).error).toBeInstanceOf(WebSocketCloseError);
    expect((end as { error: WebSocketCloseError }).error.code).toBe(1011);
    expect(socket.queueLength).toBe(0);
    const again = record(socket);
    const second = await server.nextConnection();
    await second.expectNoMessage(80);
    expect(count('unsub')).toBe(0);
    again.subscription.unsubscribe();
  });

  test('topic$.pipe(retry()): many subscribers come back with one sub on the new connection', async () => {
    const { server, publish, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const a$ = topic(socket, 'a').pipe(retry({ delay: 20 }));
    const rs = Array.from({ length: 20 }, () => record(a$));
    const first = await server.nextConnection();
    await until(() => count('sub') === 1);
    first.drop();
    const second = await server.nextConnection({ timeout: 5000 });
    await expect(second).toReceiveMessage({ type: 'sub', topic: 'a' });
    await second.expectNoMessage(60);
    publish('a', 'back');
    await until(() => rs.every((r) => r.values.length === 1));
    for (const r of rs) r.subscription.unsubscribe();
    await expect(second).toReceiveMessage({ type: 'unsub', topic: 'a' });
  });

  test('when the reconnect gives up while disconnected, held topics end with the last close error', async () => {
    const { server, count } = await topicServer();
    const socket = webSocket<Command, Message>(server.url);
    const stop = keepConnected(socket, 200);
    const a = record(topic(socket, 'a'));
    const first = await server.nextConnection();
    await until(() => count('sub') === 1);
    await first.close(4001, 'kicked');
    await until(() => socket.state !== 'open');
    await delay(20); // a quiet window is the behaviour under test: the close ends nothing while held
    expect(a.notes).toEqual([]); // held: still subscribed
    stop();
    const end = await a.done;
    expect((end as { error: WebSocketCloseError }).error).toMatchObject({ code: 4001, reason: 'kicked' });
  });
});

test('10,000 topics over one socket', async () => {
  const { server, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const N = 10_000;
  const rooms = { subscribe: (t: string) => ({ type: 'sub' as const, topic: t }), unsubscribe: (t: string) => ({ type: 'unsub' as const, topic: t }), topicOf: (m: Message) => m.topic };
  const received = new Array<number>(N).fill(0);
  const wrong: string[] = [];
  const subscriptions = Array.from({ length: N }, (_, i) =>
    channel(socket, `t${i}`, rooms).subscribe((m) => {
      if (m.topic !== `t${i}`) wrong.push(`${i}:${m.topic}`);
      received[i]!++;
    }),
  );
  const connection = await server.nextConnection();
  await until(() => connection.messages.length >= N, 5000, '10,000 subs');
  expect(count('sub')).toBe(N);
  for (let i = 0; i < N; i++) connection.send({ topic: `t${i}`, data: i });
  await until(() => received.every((n) => n === 1), 5000, 'one message per topic');
  expect(wrong).toEqual([]);
  for (const s of subscriptions) s.unsubscribe();
  await until(() => count('unsub') === N, 5000, '10,000 unsubs');
  await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
});
