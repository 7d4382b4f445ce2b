import { createTestServer, useTestServers } from 'rxws/testing';
import { closeOf, closeWs, openWs, WsClient } from './clients.js';
import { until } from '../helpers/client.js';

useTestServers({ onLeak: 'throw' });

/** Collects what a client receives, parsed as JSON when it can be. */
function inbox(ws: WsClient): { next(): Promise<unknown> } {
  // Attach before the socket opens: a greeting may arrive in the same tick as 'open'.
  const queue: unknown[] = [];
  const waiting: Array<(v: unknown) => void> = [];
  ws.on('message', (data) => {
    const text = data.toString();
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      /* plain text */
    }
    const w = waiting.shift();
    if (w) w(value);
    else queue.push(value);
  });
  return { next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))) };
}

describe('scripted replies: server.on(match)', () => {
  it('answers by value (deep equality), predicate or asymmetric matcher, first matching rule wins', async () => {
    const server = await createTestServer({ json: true });
    server.on({ type: 'ping' }).reply({ type: 'pong' });
    server.on((m: unknown) => (m as { type: string }).type === 'sub').reply((m: unknown) => ({ type: 'ack', id: (m as { id: number }).id }));
    server.on(expect.objectContaining({ type: 'echo' })).reply((m: unknown) => m);
    server.on(() => true).reply({ type: 'unknown' }); // catch-all (expect.anything() would not match null)
    const ws = await openWs(server.url);
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(await box.next()).toEqual({ type: 'pong' });
    ws.send(JSON.stringify({ type: 'sub', id: 7 }));
    expect(await box.next()).toEqual({ type: 'ack', id: 7 });
    ws.send(JSON.stringify({ type: 'echo', x: [1] }));
    expect(await box.next()).toEqual({ type: 'echo', x: [1] });
    ws.send('null');
    expect(await box.next()).toEqual({ type: 'unknown' });
    // The messages are still recorded and queued.
    const connection = server.connections[0]!;
    expect(connection.messages).toEqual([{ type: 'ping' }, { type: 'sub', id: 7 }, { type: 'echo', x: [1] }, null]);
    await expect(connection.nextMessage()).resolves.toEqual({ type: 'ping' });
    await closeWs(ws);
  });

  it('chains actions, counts calls, supports once/times/remove, async replies and undefined (no reply)', async () => {
    const server = await createTestServer();
    const hello = server.on('hello').once().reply('hi').reply(async () => 'how are you?');
    server.on('hello').reply('hi again');
    const silent = server.on('quiet').reply(() => undefined);
    const ws = await openWs(server.url);
    const box = inbox(ws);
    ws.send('hello');
    expect([await box.next(), await box.next()]).toEqual(['hi', 'how are you?']);
    ws.send('hello');
    expect(await box.next()).toBe('hi again');
    expect(hello.calls).toBe(1);
    expect(hello.active).toBe(false);
    ws.send('quiet');
    await server.connections[0]!.nextMessage();
    await server.connections[0]!.nextMessage();
    await expect(server.connections[0]!.nextMessage()).resolves.toBe('quiet');
    expect(silent.calls).toBe(1);
    silent.remove();
    const rule = server.on('twice').times(2).reply('ok');
    for (let i = 0; i < 3; i++) ws.send('twice');
    expect([await box.next(), await box.next()]).toEqual(['ok', 'ok']);
    await server.connections[0]!.expectNoMessage(0).catch(() => undefined);
    await until(() => server.connections[0]!.messages.filter((m) => m === 'twice').length === 3, 5000, 'the third message'); // seen, and not answered
    expect(rule.calls).toBe(2);
    await closeWs(ws);
  });

  it('keeps reply order with per-rule delays, and close/drop/stall as replies', async () => {
    const server = await createTestServer();
    server.on('slow').delay(50).reply('slow done');
    server.on('fast').reply('fast done');
    server.on('bye').close(4000, 'bye');
    server.on('crash').drop();
    const ws = await openWs(server.url);
    const box = inbox(ws);
    ws.send('slow');
    ws.send('fast');
    expect([await box.next(), await box.next()]).toEqual(['slow done', 'fast done']);
    const closed = closeOf(ws);
    ws.send('bye');
    expect(await closed).toEqual({ code: 4000, reason: 'bye' });

    const ws2 = await openWs(server.url);
    const dropped = closeOf(ws2);
    ws2.send('crash');
    expect((await dropped).code).toBe(1006);
  });

  it('connection.on rules go before server rules; onConnection greets each connection', async () => {
    const server = await createTestServer();
    server.on('who').reply('server');
    server.onConnection((connection) => {
      connection.send(`welcome #${connection.id}`);
      if (connection.id === 2) connection.on('who').reply('connection 2');
    });
    const a = new WsClient(server.url);
    const boxA = inbox(a);
    expect(await boxA.next()).toBe('welcome #1');
    const b = new WsClient(server.url);
    const boxB = inbox(b);
    expect(await boxB.next()).toBe('welcome #2');
    a.send('who');
    b.send('who');
    expect(await boxA.next()).toBe('server');
    expect(await boxB.next()).toBe('connection 2');
    await closeWs(a);
    await closeWs(b);
  });

  it('a predicate that throws does not match; an error in a reply is reported at teardown', async () => {
    const server = await createTestServer({ json: true });
    server.on((m: unknown) => (m as { type: string }).type === 'x').reply('matched');
    server.on('boom').reply(() => {
      throw new Error('reply exploded');
    });
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    ws.send('null');
    ws.send('"boom"');
    await connection.nextMessage();
    await connection.nextMessage();
    await until(() => connection.errors.length > 0, 5000, 'the reply error'); // the reply runs after the message is queued
    expect(connection.errors.map((e) => e.message)).toEqual(['reply exploded']);
    expect(connection.formatTranscript()).toContain('reply-error reply exploded');
    await closeWs(ws);
    const report = await server.close();
    expect(report.errors.map((e) => e.message)).toEqual(['reply exploded']);
  });
});
