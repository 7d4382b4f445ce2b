// channel(): two-way, reference-counted topics with routing, unwrapping, wrapping and per-topic
// application errors, against a real server speaking the topic protocol.
import { channel, webSocket, ChannelError, WebSocketChannel, type ChannelOptions } from 'rxws';
import { useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';
import { record, until, delay } from './helpers.js';
import { keepConnected, topicServer, typesOf, type Command, type Message } from './topic-protocol.js';

useTestServers();

const rooms: ChannelOptions<Command, Message, unknown, unknown> = {
  subscribe: (topic) => ({ type: 'sub', topic }),
  unsubscribe: (topic) => ({ type: 'unsub', topic }),
  topicOf: (m) => m.topic,
  unwrap: (m) => m.data,
  wrap: (data, topic) => ({ type: 'pub', topic, data }),
  isError: (m) => m.error !== undefined,
};

test('subscribe receives the unwrapped messages of its topic; next() sends wrapped through the subject', async () => {
  const { server, publish } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const chat = channel(socket, 'room:42', rooms);
  expect(chat).toBeInstanceOf(WebSocketChannel);
  expect(chat.key).toBe('room:42');
  const got = record(chat);
  chat.next({ text: 'hello' }); // queued: goes out after the sub (open step, then the queue)
  const connection = await server.nextConnection();
  await expect(connection).toReceiveMessage({ type: 'sub', topic: 'room:42' });
  await expect(connection).toReceiveMessage({ type: 'pub', topic: 'room:42', data: { text: 'hello' } });
  // 'not ours' goes first: once 'hi back' (sent after it on the same connection) has arrived, so has it.
  connection.send({ topic: 'room:7', data: 'not ours' });
  publish('room:42', { text: 'hi back' });
  await until(() => got.values.length === 1);
  expect(got.values).toEqual([{ text: 'hi back' }]);
  expect(chat.observed).toBe(true);
  got.subscription.unsubscribe();
  await expect(connection).toReceiveMessage({ type: 'unsub', topic: 'room:42' });
  expect(chat.observed).toBe(false);
});

test('reference-counted: channels with the same key share one server subscription', async () => {
  const { server, publish, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const subs = [record(channel(socket, 'r', rooms)), record(channel(socket, 'r', rooms)), record(channel(socket, 'r', rooms))];
  await until(() => count('sub') === 1);
  publish('r', 1);
  await until(() => subs.every((s) => s.values.length === 1));
  subs[0]!.subscription.unsubscribe();
  subs[1]!.subscription.unsubscribe();
  // A quiet window, closed by a probe sent after it: an unsub sent meanwhile would have arrived first.
  await delay(30);
  socket.next({ type: 'pub', topic: 'probe', data: 0 });
  await until(() => count('pub', 'probe') === 1);
  expect(count('unsub')).toBe(0);
  subs[2]!.subscription.unsubscribe();
  await until(() => count('unsub') === 1);
});

test('an application error for the topic errors that channel alone', async () => {
  const { server, publish, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const secret = [record(channel(socket, 'secret', rooms)), record(channel(socket, 'secret', rooms))];
  const open = record(channel(socket, 'open', rooms));
  const custom = record(channel(socket, 'custom', { ...rooms, toError: (m, key) => new Error(`${key}: ${String(m.error)}`) }));
  const main = record(socket);
  const connection = await server.nextConnection();
  await until(() => count('sub') === 3);
  connection.send({ topic: 'secret', error: 'forbidden' });
  connection.send({ topic: 'custom', error: 'nope' });
  for (const s of secret) {
    const end = await s.done;
    expect(end.kind).toBe('E');
    const error = (end as { error: ChannelError }).error;
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ name: 'ChannelError', key: 'secret', data: { topic: 'secret', error: 'forbidden' } });
    expect(error.message).toContain('secret');
  }
  await expect(custom.done).resolves.toEqual({ kind: 'E', error: new Error('custom: nope') });
  await until(() => count('unsub', 'secret') === 1);
  publish('open', 'still here');
  await until(() => open.values.length === 1);
  expect(open.notes).toEqual([{ kind: 'N', value: 'still here' }]);
  expect(main.notes.every((n) => n.kind === 'N')).toBe(true);
  // The channel can be subscribed again: a fresh sub.
  const back = record(channel(socket, 'secret', rooms));
  await until(() => count('sub', 'secret') === 2);
  for (const r of [back, open, main]) r.subscription.unsubscribe();
});

test('select (a predicate) routes without topicOf; throws in callbacks end that channel only', async () => {
  const { server, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const boom = new Error('boom');
  const evens$ = channel(socket, 'evens', { subscribe: () => ({ type: 'sub', topic: 'numbers' }), select: (m) => m.topic === 'numbers' && typeof m.data === 'number' && m.data % 2 === 0 });
  const evens = record(evens$);
  const broken = record(channel(socket, 'broken', { topicOf: (m) => m.topic, unwrap: () => { throw boom; } }));
  const connection = await server.nextConnection();
  await until(() => count('sub') === 1);
  for (let i = 0; i < 5; i++) connection.send({ topic: 'numbers', data: i });
  connection.send({ topic: 'broken', data: 0 });
  await until(() => evens.values.length === 3);
  expect(evens.values.map((m) => m.data)).toEqual([0, 2, 4]);
  await expect(broken.done).resolves.toEqual({ kind: 'E', error: boom });
  expect(() => socket.next({ type: 'pub', topic: 'x', data: 1 })).not.toThrow();
  evens.subscription.unsubscribe();
});

test('complete() and error() end the channel\'s subscribers (the subject carries on)', async () => {
  const { server, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const main = record(socket);
  const chat = channel(socket, 'c', rooms);
  const a = record(chat);
  await until(() => count('sub') === 1);
  chat.complete();
  expect(a.notes).toEqual([{ kind: 'C' }]);
  await until(() => count('unsub') === 1);
  const b = record(chat);
  await until(() => count('sub') === 2);
  const oops = new Error('oops');
  chat.error(oops);
  expect(b.notes).toEqual([{ kind: 'E', error: oops }]);
  await until(() => count('unsub') === 2);
  expect(main.notes.every((n) => n.kind === 'N')).toBe(true);
  main.subscription.unsubscribe();
});

test('re-subscribed after a reconnect, before the queue; subscribers keep receiving', async () => {
  const { server, publish } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const stop = keepConnected(socket);
  const chat = channel(socket, 'room', rooms);
  const got = record(chat);
  const first = await server.nextConnection();
  await expect(first).toReceiveMessage({ type: 'sub', topic: 'room' });
  first.drop();
  await until(() => socket.state !== 'open');
  chat.next('while down');
  const second = await server.nextConnection({ timeout: 5000 });
  await until(() => second.messages.length === 2);
  expect(typesOf(second.messages)).toEqual(['sub:room', 'pub:room']);
  publish('room', 'after');
  await until(() => got.values.length === 1);
  expect(got.notes).toEqual([{ kind: 'N', value: 'after' }]);
  stop();
  got.subscription.unsubscribe();
});

test('options are checked', () => {
  const socket = webSocket<Command, Message>('ws://127.0.0.1:1');
  expect(() => channel(socket, 'x', {})).toThrow(/topicOf.*select/);
  expect(() => channel(socket, 'x', { topicOf: (m: Message) => m.topic, selekt: () => true } as never)).toThrow(/unknown option 'selekt'/);
  expect(() => channel(socket, 'x', { topicOf: 'topic' } as never)).toThrow(/'topicOf' must be a function/);
});
