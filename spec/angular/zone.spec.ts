/**
 * rxws/angular with zone.js: rxws's socket events and timers run outside Angular's zone, each
 * delivery inside it, so the app stays stable with a heartbeat and reconnect() on, and change
 * detection (onMicrotaskEmpty) runs once per delivered message.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import 'zone.js'; // before Angular
import { until } from './helpers.js';
import { ApplicationRef, InjectionToken, NgZone, provideZoneChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideWebSocket } from 'rxws/angular';
import { heartbeat, reconnect, webSocket, type WebSocketSubject } from 'rxws';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import 'rxws/testing/jest';

useTestServers({ onLeak: 'throw' });

type Message = { type: 'ping' } | { type: 'pong' } | { type: 'update'; n: number };
const LIVE = new InjectionToken<WebSocketSubject<Message, Message>>('LIVE');
const heartbeatConfig = { interval: 20, timeout: 400, ping: (): Message => ({ type: 'ping' }), isPong: (m: Message) => m.type === 'pong' };

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer({ json: true });
  server.on({ type: 'ping' }).reply({ type: 'pong' });
  TestBed.configureTestingModule({ providers: [provideZoneChangeDetection(), provideWebSocket(LIVE, { url: server.url, heartbeat: heartbeat(heartbeatConfig) })] });
});

/** The pings the server has received so far. */
const pings = () => server.messages.filter((m) => (m as Message).type === 'ping').length;

/** Whether `appRef.isStable` reports true now (it replays its current value on subscription). */
function appIsStable(): boolean {
  let stable = false;
  TestBed.inject(ApplicationRef)
    .isStable.subscribe((value) => (stable = value))
    .unsubscribe();
  return stable;
}

describe('rxws/angular with zone.js', () => {
  it('keeps the app stable while open with heartbeat and reconnect(), and runs change detection once per delivered message', async () => {
    const zone = TestBed.inject(NgZone);
    const socket = TestBed.inject(LIVE);
    let detections = 0;
    zone.onMicrotaskEmpty.subscribe(() => detections++);
    const received: number[] = [];
    const inZone: boolean[] = [];
    const subscription = zone.run(() =>
      socket.pipe(reconnect()).subscribe((message) => {
        inZone.push(NgZone.isInAngularZone());
        if (message.type === 'update') received.push(message.n);
      }),
    );
    const connection = await server.nextConnection();
    await until(() => socket.state === 'open', 'open');
    // Heartbeats go back and forth outside the zone: nothing pending in it, no change detection.
    const before = detections;
    const start = pings();
    await until(() => pings() >= start + 2, 'two heartbeat round trips');
    expect(zone.hasPendingMacrotasks).toBe(false);
    expect(zone.isStable).toBe(true);
    expect(appIsStable()).toBe(true);
    expect(detections).toBe(before);
    // Each message: one delivery, inside the zone, and one change detection.
    for (let n = 1; n <= 5; n++) {
      connection.send({ type: 'update', n });
      await until(() => received.length === n, `update ${n}`);
    }
    expect(received).toEqual([1, 2, 3, 4, 5]);
    expect(inZone).toEqual([true, true, true, true, true]);
    expect(detections - before).toBe(5);
    subscription.unsubscribe();
    await connection.closed;
  });

  it('keeps reconnect backoff and connect timeouts out of the zone, and delivers state inside it', async () => {
    const zone = TestBed.inject(NgZone);
    const socket = TestBed.inject(LIVE);
    const states: Array<[string, boolean]> = [];
    zone.run(() => socket.state$.subscribe((state) => states.push([state, NgZone.isInAngularZone()])));
    server.delayHandshake(Infinity);
    zone.run(() => socket.pipe(reconnect({ initialDelay: 10_000, connectTimeout: 10_000 })).subscribe());
    await until(() => server.heldHandshakes === 1, 'the handshake');
    expect(zone.hasPendingMacrotasks).toBe(false); // the 10 s connect timeout is outside
    server.delayHandshake(0);
    server.releaseHandshakes();
    const first = await server.nextConnection();
    await until(() => socket.state === 'open', 'open');
    first.drop();
    await until(() => socket.state === 'reconnecting', "'reconnecting'");
    // A 10 s backoff is pending, outside the zone: the app is stable meanwhile.
    expect(zone.hasPendingMacrotasks).toBe(false);
    expect(zone.isStable).toBe(true);
    expect(appIsStable()).toBe(true);
    zone.run(() => socket.reconnect()); // from app code in the zone (a button, say)
    const second = await server.nextConnection();
    await until(() => socket.state === 'open', 'open again');
    expect(zone.hasPendingMacrotasks).toBe(false);
    expect(states.map(([state]) => state)).toEqual(['idle', 'connecting', 'open', 'closed', 'reconnecting', 'connecting', 'open']);
    expect(states.every(([, inside]) => inside)).toBe(true);
    TestBed.resetTestingModule();
    expect((await second.closed).code).toBe(1000);
  });

  it('is what a plain subject subscribed in the zone is not (the control): a timer in the zone, deliveries outside it', async () => {
    const zone = TestBed.inject(NgZone);
    const plain = webSocket<Message>({ url: server.url, heartbeat: heartbeat(heartbeatConfig) });
    server.delayHandshake(Infinity);
    const inZone: boolean[] = [];
    const subscription = zone.run(() => plain.pipe(reconnect({ connectTimeout: 10_000 })).subscribe(() => inZone.push(NgZone.isInAngularZone())));
    await until(() => server.heldHandshakes === 1, 'the handshake');
    expect(zone.hasPendingMacrotasks).toBe(true); // its connect timeout
    server.delayHandshake(0);
    server.releaseHandshakes();
    const connection = await server.nextConnection();
    await until(() => plain.state === 'open', 'open');
    connection.send({ type: 'update', n: 1 });
    await until(() => inZone.length === 1, 'the message');
    expect(inZone).toEqual([false]); // on Node, socket events do not carry the zone: no change detection would see it
    subscription.unsubscribe();
    await connection.closed;
  });
});
