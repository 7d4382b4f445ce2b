// request(): one message, its reply (or replies), correlated by id; timeouts, cancellation,
// streamed responses and reconnects, against a real server.
import { multiplex, request, webSocket, TimeoutError, RequestError, WebSocketCloseError, subjectOf } from 'rxws';
import { useTestServers, type TestConnection } from 'rxws/testing';
import 'rxws/testing/jest';
import { TimeoutError as RxjsTimeoutError, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { record, until, delay } from './helpers.js';
import { keepConnected, topicServer, typesOf, type Command, type Message } from './topic-protocol.js';

useTestServers();

type Req = { id: string; method: string; params?: unknown };
const isMethod = (method: string) => (m: Req) => m !== null && typeof m === 'object' && m.method === method;

test('sends one message and emits the reply with the same id (the default correlation)', async () => {
  const { server } = await topicServer();
  server.on(isMethod('sum')).reply((m: Req & { params: number[] }) => ({ id: m.id, result: m.params.reduce((a, b) => a + b, 0) }));
  const socket = webSocket<Command, Message>(server.url);
  const sum$ = request(socket, (id) => ({ id, method: 'sum', params: [1, 2, 3] }));
  expect(subjectOf(sum$)).toBe(socket);
  await expect(firstValueFrom(sum$)).resolves.toMatchObject({ result: 6 });
  const ids = server.messages.map((m) => (m as Req).id);
  expect(ids).toHaveLength(1);
  expect(typeof ids[0]).toBe('string');
  // The subject's only user was the request: the connection then closes with 1000.
  await expect((await server.nextConnection()).waitForClose()).resolves.toMatchObject({ code: 1000 });
});

test('1,000 concurrent requests are each answered with their own reply (the server replies in shuffled order)', async () => {
  const { server } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const N = 1000;
  const results = Array.from({ length: N }, (_, i) =>
    firstValueFrom(request(socket, (id) => ({ id, method: 'square', params: i }), { select: (reply) => reply.result })),
  );
  const connection = await server.nextConnection();
  await until(() => connection.messages.length === N);
  const requests = [...(connection.messages as Req[])];
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [requests[i], requests[j]] = [requests[j]!, requests[i]!];
  }
  for (const r of requests) connection.send({ id: r.id, result: (r.params as number) ** 2 });
  await expect(Promise.all(results)).resolves.toEqual(Array.from({ length: N }, (_, i) => i * i));
  expect(new Set(requests.map((r) => r.id)).size).toBe(N);
});

test('a custom id generator and match predicate', async () => {
  const { server } = await topicServer();
  server.on(isMethod('echo')).reply((m: { ref: number; params: unknown }) => ({ re: m.ref, data: m.params }));
  const socket = webSocket<unknown, { re: number; data: unknown }>(server.url);
  let n = 100;
  const reply = firstValueFrom(
    request(socket, (id) => ({ ref: id, method: 'echo', params: 'x' }), { id: () => ++n, match: (r, id) => r.re === id, select: (r) => r.data }),
  );
  await expect(reply).resolves.toBe('x');
  expect(server.messages).toEqual([{ ref: 101, method: 'echo', params: 'x' }]);
});

test('a request without a reply errors with a TimeoutError naming it, and sends the cancel message', async () => {
  const { server } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const main = record(socket);
  const r = record(request(socket, (id) => ({ id, method: 'never' }), { timeout: 50, cancel: (id) => ({ id, method: 'cancel' }) }));
  const connection = await server.nextConnection();
  const sent = (await connection.nextMessage()) as Req;
  const end = await r.done;
  const error = (end as { error: TimeoutError }).error;
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error).toBeInstanceOf(RxjsTimeoutError);
  expect(error.name).toBe('TimeoutError');
  expect(error.message).toBe(`Request ${sent.id} got no reply within 50 ms.`);
  expect(error).toMatchObject({ id: sent.id, timeout: 50, info: { meta: { id: sent.id }, seen: 0 } });
  await expect(connection).toReceiveMessage({ id: sent.id, method: 'cancel' });
  // A late reply goes nowhere; the socket carries on.
  connection.send({ id: sent.id, result: 'late' });
  await until(() => main.values.length === 1);
  main.subscription.unsubscribe();
});

test('unsubscribing cancels: the cancel message goes out only if the request was sent and the connection is open', async () => {
  const { server } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const main = record(socket);
  const cancel = (id: unknown) => ({ id, method: 'cancel' });
  // Unsubscribed before the connection opened: never sent, nothing to cancel.
  const early = record(request(socket, (id) => ({ id, method: 'slow' }), { cancel }));
  early.subscription.unsubscribe();
  const connection = await server.nextConnection();
  await until(() => socket.state === 'open');
  const r = record(request(socket, (id) => ({ id, method: 'slow' }), { cancel }));
  const sent = (await connection.nextMessage()) as Req;
  expect(sent.method).toBe('slow');
  r.subscription.unsubscribe();
  await expect(connection).toReceiveMessage({ id: sent.id, method: 'cancel' });
  await connection.expectNoMessage(50);
  // Answered requests are not cancelled.
  server.on(isMethod('fast')).reply((m: Req) => ({ id: m.id, result: 1 }));
  await firstValueFrom(request(socket, (id) => ({ id, method: 'fast' }), { cancel }));
  await connection.nextMessage();
  await connection.expectNoMessage(50);
  main.subscription.unsubscribe();
});

test('streamed responses: isLast (emitted) and until (a terminator), with error replies', async () => {
  const { server } = await topicServer();
  server.on(isMethod('count')).reply((m: Req & { params: number }, c: TestConnection) => {
    for (let i = 1; i <= m.params; i++) c.send({ id: m.id, data: i, done: i === m.params });
    return undefined;
  });
  server.on(isMethod('stream')).reply((m: Req, c: TestConnection) => {
    c.send({ id: m.id, data: 'a' });
    c.send({ id: m.id, data: 'b' });
    c.send({ id: m.id, done: true });
    return undefined;
  });
  server.on(isMethod('fail')).reply((m: Req) => ({ id: m.id, error: 'bad params' }));
  const socket = webSocket<Command, Message>(server.url);
  const counted = request(socket, (id) => ({ id, method: 'count', params: 3 }), { isLast: (r) => r.done === true, select: (r) => r.data });
  await expect(lastValueFrom(counted.pipe(toArray()))).resolves.toEqual([1, 2, 3]);
  const streamed = request(socket, (id) => ({ id, method: 'stream' }), { until: (r) => r.done === true, select: (r) => r.data });
  await expect(lastValueFrom(streamed.pipe(toArray()))).resolves.toEqual(['a', 'b']);
  const failed = record(request(socket, (id) => ({ id, method: 'fail' }), { isError: (r) => r.error !== undefined }));
  const end = (await failed.done) as { error: RequestError };
  expect(end.error).toBeInstanceOf(RequestError);
  expect(end.error).toMatchObject({ name: 'RequestError', reply: { error: 'bad params' } });
});

test('a streamed response times out between replies', async () => {
  const { server } = await topicServer();
  server.on(isMethod('trickle')).reply((m: Req, c: TestConnection) => {
    c.send({ id: m.id, data: 1 });
    setTimeout(() => c.isOpen && c.send({ id: m.id, data: 2 }), 30);
    return undefined; // then nothing more
  });
  const socket = webSocket<Command, Message>(server.url);
  // The timeout is far above the 30 ms gap: a loaded machine's event-loop stall must not end the
  // stream before the second reply.
  const r = record(request(socket, (id) => ({ id, method: 'trickle' }), { timeout: 1000, isLast: () => false, select: (x) => x.data }));
  const end = (await r.done) as { error: TimeoutError };
  expect(r.values).toEqual([1, 2]);
  expect(end.error).toBeInstanceOf(TimeoutError);
  expect(end.error.message).toMatch(/no further reply within 1000 ms \(after 2\)/);
});

test('in flight when the connection drops: errors with the close cause', async () => {
  const { server } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const stop = keepConnected(socket);
  const r = record(request(socket, (id) => ({ id, method: 'slow' })));
  const first = await server.nextConnection();
  await first.nextMessage();
  await first.close(1012, 'restart');
  const end = (await r.done) as { error: WebSocketCloseError };
  expect(end.error).toBeInstanceOf(WebSocketCloseError);
  expect(end.error).toMatchObject({ code: 1012, reason: 'restart' });
  const second = await server.nextConnection({ timeout: 5000 });
  await second.expectNoMessage(60); // not re-sent
  stop();
});

test('in flight when the server closes cleanly (1000): errors too, since the reply cannot come; the client\'s own close completes it', async () => {
  const { server } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const r = record(request(socket, (id) => ({ id, method: 'slow' })));
  const first = await server.nextConnection();
  await first.nextMessage();
  await first.close(1000, 'bye');
  const end = (await r.done) as { error: WebSocketCloseError };
  expect(end.error).toBeInstanceOf(WebSocketCloseError);
  expect(end.error).toMatchObject({ code: 1000, reason: 'bye', wasClean: true });
  expect(end.error.message).toMatch(/before the reply to request .+ came/);

  const mine = record(request(socket, (id) => ({ id, method: 'slow' })));
  const second = await server.nextConnection();
  await second.nextMessage();
  socket.close();
  expect(await mine.done).toEqual({ kind: 'C' });
});

test('resend: true re-sends it on the next connection, after the topics and before the queue, and gets its reply', async () => {
  const { server, count } = await topicServer();
  const socket = webSocket<Command, Message>(server.url);
  const stop = keepConnected(socket);
  const topic = record(multiplex(socket, () => ({ type: 'sub', topic: 't' }), () => ({ type: 'unsub', topic: 't' }), (m) => m.topic === 't'));
  const r = record(request(socket, (id) => ({ id, method: 'slow' }), { resend: true, select: (x) => x.result }));
  const first = await server.nextConnection();
  await until(() => first.messages.length === 2);
  const { id } = first.messages[1] as Req;
  first.drop();
  await until(() => socket.state !== 'open');
  socket.next({ type: 'pub', topic: 't', data: 'queued' });
  // A request made while disconnected waits in the registry too (not in the queue).
  const later = record(request(socket, (rid) => ({ id: rid, method: 'later' }), { select: (x) => x.result }));
  const second = await server.nextConnection({ timeout: 5000 });
  await until(() => second.messages.length === 4);
  expect(typesOf(second.messages)).toEqual(['sub:t', `slow:${id}`, `later:${(second.messages[2] as Req).id}`, 'pub:t']);
  second.send({ id, result: 'finally' });
  second.send({ id: (second.messages[2] as Req).id, result: 'too' });
  await until(() => r.notes.length === 2 && later.notes.length === 2);
  expect(r.notes).toEqual([{ kind: 'N', value: 'finally' }, { kind: 'C' }]);
  expect(later.values).toEqual(['too']);
  expect(count('sub')).toBe(2);
  stop();
  topic.subscription.unsubscribe();
});

test('options are checked', () => {
  const socket = webSocket<Command, Message>('ws://127.0.0.1:1');
  expect(() => request(socket, { method: 'x' }, { timeout: 0 })).toThrow(/'timeout' must be/);
  expect(() => request(socket, { method: 'x' }, { timout: 5 } as never)).toThrow(/unknown option 'timout'/);
  expect(() => request(socket, { method: 'x' }, { match: true } as never)).toThrow(/'match' must be a function/);
});

test('no timer is left behind', async () => {
  const { server } = await topicServer();
  server.on(isMethod('ok')).reply((m: Req) => ({ id: m.id }));
  const socket = webSocket<Command, Message>(server.url);
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await Promise.all(Array.from({ length: 20 }, () => firstValueFrom(request(socket, (id) => ({ id, method: 'ok' }), { timeout: 10_000 }))));
  const r = record(request(socket, (id) => ({ id, method: 'never' }), { timeout: 10_000 }));
  await until(() => server.messages.some((m) => (m as { method?: string }).method === 'never'), 5000, 'the request to reach the server');
  r.subscription.unsubscribe();
  // The connection closes with the last request; let its closing handshake (and `ws`'s close
  // timer) finish, so only timers of request() itself could remain.
  await until(() => socket.state === 'closed');
  expect(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length).toBeLessThanOrEqual(before);
});
