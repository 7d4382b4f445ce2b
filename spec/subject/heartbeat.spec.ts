// The heartbeat option: protocol pings on Node against a real server (a stalled peer is found and
// terminated), application-level pings on a platform-like socket in virtual time, sleep/wake.
import { handshake, heartbeat, webSocket, reconnect, WebSocketCloseError, type ConnectionStatus } from 'rxws';
import { createMemoryWebSocket, createTestServer, useTestServers } from 'rxws/testing';
import { Subject, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { wrapWebSocket } from 'rxws/node';
import WS from 'ws';
import { record, until } from './helpers.js';

useTestServers();

describe('Node: protocol pings', () => {
  test('a server that stops answering pings is found dead: terminated at once, kind heartbeat, code 1006', async () => {
    const server = await createTestServer();
    // The timeout leaves room for a loaded machine's event-loop stalls (a healthy peer's pong is
    // read only after the stall, and the timer runs first); the interval keeps pings frequent.
    const ws$ = webSocket({ url: server.url, heartbeat: heartbeat({ interval: 40, timeout: 250 }) });
    const r = record(ws$);
    const connection = await server.nextConnection();
    const pings = () => connection.transcript.filter((e) => e.kind === 'ping').length;
    await until(() => pings() >= 3, 5000, 'three pings answered');
    expect(ws$.state).toBe('open'); // a healthy peer answers: never killed
    const started = Date.now();
    connection.stall();
    const done = await r.done;
    // At once: a heartbeat's interval + timeout (290 ms), not ws's 30 s closing handshake; the bound
    // is generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(done.kind).toBe('E');
    const error = (done as { error: WebSocketCloseError }).error;
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ kind: 'heartbeat', code: 1006, wasClean: false });
    expect(connection.transcript.some((e) => e.kind === 'ping')).toBe(true);
  });

  test('with reconnect(): the heartbeat miss reaches shouldReconnect and a new connection follows', async () => {
    const server = await createTestServer();
    const ws$ = webSocket({ url: server.url, heartbeat: heartbeat({ interval: 30, timeout: 30 }) });
    const statuses: ConnectionStatus[] = [];
    ws$.status$.subscribe((s) => statuses.push(s));
    const r = record(ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 5 })));
    (await server.nextConnection()).stall();
    await server.nextConnection({ timeout: 5000 });
    expect(statuses.find((s) => s.state === 'reconnecting')).toMatchObject({ attempt: 1, cause: { kind: 'heartbeat', code: 1006 } });
    r.subscription.unsubscribe();
    await until(() => ws$.state === 'closed');
    for (const c of server.connections) if (c.isStalled) c.drop();
  });
});

test('server side: a wrapped connection pings its client, and terminates one that stopped answering', async () => {
  const server = await createTestServer();
  const ends: unknown[] = [];
  server.onConnection((connection) => {
    const subject = webSocket({ socket: wrapWebSocket(connection.raw), heartbeat: heartbeat({ interval: 30, timeout: 30 }) });
    subject.subscribe({ error: (e: unknown) => ends.push(e) });
  });
  const client = new WS(server.url, { autoPong: false });
  let pings = 0;
  client.on('ping', () => pings++);
  client.on('error', () => undefined);
  await until(() => pings >= 1, 5000);
  await until(() => ends.length === 1, 5000);
  expect(ends[0]).toMatchObject({ kind: 'heartbeat', code: 1006 });
  client.terminate();
});

/** A virtual clock whose `now()` can jump ahead of the timers, as after a machine slept. */
function sleepyScheduler(): { scheduler: SchedulerLike; advance(to: number): void; sleep(ms: number): void } {
  const vts = new VirtualTimeScheduler(undefined, 0);
  let skew = 0;
  return {
    scheduler: { now: () => vts.now() + skew, schedule: vts.schedule.bind(vts) as SchedulerLike['schedule'] },
    advance(to) {
      vts.maxFrames = to;
      vts.flush();
      vts.frame = to;
    },
    sleep(ms) {
      skew += ms;
    },
  };
}

describe('application-level pings (no protocol pings: a browser-like socket)', () => {
  function setup(options: { interval?: number; timeout?: number; grace?: number } = {}) {
    const { WebSocket, controller } = createMemoryWebSocket();
    const clock = sleepyScheduler();
    type Msg = { type: string; n?: number };
    const ws$ = webSocket<Msg>({
      url: 'ws://memory/',
      WebSocketCtor: WebSocket,
      heartbeat: heartbeat({ interval: 100, timeout: 50, grace: 20, ...options, scheduler: clock.scheduler, ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' }),
    });
    return { ws$, controller, clock };
  }

  test('pings are sent directly (never queued, never replayed); pongs are not passed to subscribers; a miss closes at once', () => {
    const { ws$, controller, clock } = setup();
    const r = record(ws$);
    const closes: number[] = [];
    ws$.close$.subscribe((e) => closes.push(e.code));
    const peer = controller.last!;
    peer.open();
    clock.advance(100);
    expect(peer.sent).toEqual(['{"type":"ping"}']);
    peer.receive('{"type":"pong"}');
    peer.receive('{"type":"data","n":1}');
    clock.advance(200);
    expect(peer.sent).toEqual(['{"type":"ping"}', '{"type":"ping"}']);
    expect(r.values).toEqual([{ type: 'data', n: 1 }]);
    expect(ws$.queueLength).toBe(0);
    // Silence: the deadline passes.
    clock.advance(250);
    expect(closes).toEqual([1006]); // reported at once, without waiting for a closing handshake
    expect(peer.closeRequest).toEqual({ code: 1000, reason: 'heartbeat timeout' });
    expect((r.notes[r.notes.length - 1] as { error: WebSocketCloseError }).error).toMatchObject({ kind: 'heartbeat', code: 1006 });
    // A new connection: no ping was left queued to be replayed.
    const r2 = record(ws$);
    const next = controller.last!;
    next.open();
    expect(next.sent).toEqual([]);
    r2.subscription.unsubscribe();
  });

  test('ping() is called only when the ping goes out: not while the handshake holds the connection', () => {
    const { WebSocket, controller } = createMemoryWebSocket();
    const clock = sleepyScheduler();
    let made = 0;
    const ready = new Subject<void>();
    const ws$ = webSocket<{ type: string }>({
      url: 'ws://memory/',
      WebSocketCtor: WebSocket,
      handshake: handshake(() => ready),
      heartbeat: heartbeat({ interval: 100, timeout: 1000, grace: 20, scheduler: clock.scheduler, ping: () => ({ type: `ping ${++made}` }) }),
    });
    const r = record(ws$);
    const peer = controller.last!;
    peer.open();
    clock.advance(100); // (to t = 100) a ping is due, but the handshake has not completed
    expect(made).toBe(0);
    expect(peer.sent).toEqual([]);
    ready.complete();
    peer.receive('{"type":"hello"}'); // a sign of life before the deadline
    clock.advance(1150); // (to t = 1150) the deadline at 1100 passes alive: the next ping is due at once, now ready: made and sent
    expect(made).toBe(1);
    expect(peer.sent).toEqual(['{"type":"ping 1"}']);
    r.subscription.unsubscribe();
  });

  test('any inbound message counts as a sign of life', () => {
    const { ws$, controller, clock } = setup();
    const r = record(ws$);
    const peer = controller.last!;
    peer.open();
    for (let t = 100; t <= 1000; t += 100) {
      clock.advance(t);
      peer.receive('{"type":"data"}');
    }
    clock.advance(1040);
    expect(ws$.state).toBe('open');
    r.subscription.unsubscribe();
  });

  test('a timer that fires late after sleep does not kill a healthy connection: it pings again and waits', () => {
    const { ws$, controller, clock } = setup();
    const r = record(ws$);
    const peer = controller.last!;
    peer.open();
    clock.advance(100); // ping #1
    clock.sleep(60_000); // the machine sleeps: the check fires an hour-like 60 s late
    clock.advance(150);
    expect(ws$.state).toBe('open');
    expect(peer.sent).toHaveLength(2); // re-verified with a new ping
    peer.receive('{"type":"pong"}');
    clock.advance(200);
    expect(ws$.state).toBe('open');
    // But if it stays silent, the re-check (on time) does kill it.
    clock.advance(400);
    expect(ws$.state).toBe('closed');
    expect(r.notes[r.notes.length - 1]!.kind).toBe('E');
  });
});
