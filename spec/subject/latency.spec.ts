// Measured latency (issue #19 item 2): the heartbeat's latency$ (one RTT per pong) and status$'s
// `latency`, on real servers. The heartbeat runs on a VirtualTimeScheduler: a ping goes out when
// the clock reaches the interval, the clock is moved on synchronously (no I/O can happen in
// between), so the pong that the server sends afterwards measures exactly that much.
import { heartbeat, webSocket, type ConnectionStatus } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { VirtualTimeScheduler, firstValueFrom } from 'rxjs';
import { record, until } from './helpers.js';

useTestServers();

/** Runs the virtual clock to `at`, executing what is due by then (and nothing later). */
function advanceTo(scheduler: VirtualTimeScheduler, at: number): void {
  scheduler.schedule(() => undefined, at - scheduler.now());
  scheduler.maxFrames = at;
  scheduler.flush();
}

test('Node, protocol pings: one RTT per pong on latency$, and status$ says open with it', async () => {
  const server = await createTestServer();
  const scheduler = new VirtualTimeScheduler();
  const beat = heartbeat({ interval: 1000, timeout: 5000, scheduler });
  const ws$ = webSocket({ url: server.url, heartbeat: beat });
  const latencies: number[] = [];
  const statuses: ConnectionStatus[] = [];
  const a = beat.latency$.subscribe((ms) => latencies.push(ms));
  const b = ws$.status$.subscribe((s) => statuses.push(s));
  const r = record(ws$);
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open');
  advanceTo(scheduler, 1000); // the ping goes out
  advanceTo(scheduler, 1137); // before its pong can be read
  await until(() => latencies.length === 1);
  expect(latencies).toEqual([137]);
  expect(ws$.status).toEqual({ state: 'open', latency: 137 });
  // The next round: the check at 6000 passes (alive), the next ping at 6000 + 0 (interval - timeout < 0).
  advanceTo(scheduler, 6000);
  advanceTo(scheduler, 6020);
  await until(() => latencies.length === 2);
  expect(latencies).toEqual([137, 20]);
  expect(statuses.filter((s) => s.state === 'open')).toEqual([{ state: 'open' }, { state: 'open', latency: 137 }, { state: 'open', latency: 20 }]);
  expect(connection.transcript.filter((e) => e.kind === 'ping')).toHaveLength(2);
  r.subscription.unsubscribe();
  a.unsubscribe();
  b.unsubscribe();
});

test('application pings (as in browsers): the RTT of the ping to its pong; the pong is not passed on', async () => {
  const server = await createTestServer({ json: true });
  const scheduler = new VirtualTimeScheduler();
  type Msg = { type: string };
  const beat = heartbeat<Msg, Msg>({ interval: 500, timeout: 5000, scheduler, ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' });
  const ws$ = webSocket<Msg>({ url: server.url, heartbeat: beat });
  const r = record(ws$);
  const connection = await server.nextConnection();
  await until(() => ws$.state === 'open');
  const measured = firstValueFrom(beat.latency$);
  advanceTo(scheduler, 500);
  await expect(connection.nextMessage()).resolves.toEqual({ type: 'ping' });
  advanceTo(scheduler, 542);
  connection.send({ type: 'other' }); // a sign of life, not the answer
  connection.send({ type: 'pong' });
  await expect(measured).resolves.toBe(42);
  expect(ws$.status).toEqual({ state: 'open', latency: 42 });
  await until(() => r.values.length === 1);
  expect(r.values).toEqual([{ type: 'other' }]);
  r.subscription.unsubscribe();
});

test('one heartbeat() per subject: each status$ carries its own connection\'s latency', async () => {
  const server = await createTestServer({ json: true });
  const scheduler = new VirtualTimeScheduler();
  type Msg = { type: string };
  const options = { interval: 500, timeout: 5000, scheduler, ping: () => ({ type: 'ping' }), isPong: (m: Msg) => m.type === 'pong' };
  const one$ = webSocket<Msg>({ url: server.url, heartbeat: heartbeat(options) });
  const two$ = webSocket<Msg>({ url: server.url, heartbeat: heartbeat(options) });
  const r1 = record(one$);
  const c1 = await server.nextConnection();
  const r2 = record(two$);
  const c2 = await server.nextConnection();
  await until(() => one$.state === 'open' && two$.state === 'open');
  advanceTo(scheduler, 500);
  await c1.nextMessage();
  await c2.nextMessage();
  advanceTo(scheduler, 510);
  c2.send({ type: 'pong' });
  await until(() => two$.status.state === 'open' && 'latency' in two$.status);
  advanceTo(scheduler, 590);
  c1.send({ type: 'pong' });
  await until(() => 'latency' in one$.status);
  expect([one$.status, two$.status]).toEqual([{ state: 'open', latency: 90 }, { state: 'open', latency: 10 }]);
  r1.subscription.unsubscribe();
  r2.subscription.unsubscribe();
});

test('a pong with no ping outstanding measures nothing', async () => {
  const server = await createTestServer({ json: true });
  const scheduler = new VirtualTimeScheduler();
  type Msg = { type: string };
  const beat = heartbeat<Msg, Msg>({ interval: 500, timeout: 5000, scheduler, ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' });
  const latencies: number[] = [];
  beat.latency$.subscribe((ms) => latencies.push(ms));
  const ws$ = webSocket<Msg>({ url: server.url, heartbeat: beat });
  const r = record(ws$);
  const connection = await server.nextConnection();
  connection.send({ type: 'pong' }); // unsolicited: before any ping
  connection.send({ type: 'marker' });
  await until(() => r.values.length === 1);
  expect(latencies).toEqual([]);
  expect(ws$.status).toEqual({ state: 'open' });
  r.subscription.unsubscribe();
});
