// Property: under random drops, every message given to next() is written to exactly one
// connection, in order, or reported on dropped$; the server never receives a duplicate or a
// reordering. (At most once: what was written into a socket that then died may be lost in flight.)
import fc from 'fast-check';
import { webSocket, reconnect, WebSocket as RxWebSocket } from 'rxws';
import { type NodeWebSocketOptions } from 'rxws/node';
import { createMemoryWebSocket, createTestServer, useTestServers } from 'rxws/testing';
import { VirtualTimeScheduler } from 'rxjs';
import { until } from './helpers.js';

useTestServers();

type Op = { t: 'next' } | { t: 'drop' } | { t: 'open' } | { t: 'advance'; ms: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Op>({ t: 'next' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ t: 'open' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'drop' }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map<Op>((ms) => ({ t: 'advance', ms })) },
);

test('memory sockets, virtual time: written once, in order, or dropped$', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 8 }), (ops, limit) => {
      const { WebSocket, controller } = createMemoryWebSocket();
      const vts = new VirtualTimeScheduler(undefined, 0);
      const advance = (ms: number): void => {
        vts.maxFrames = vts.frame + ms;
        vts.flush();
        vts.frame = vts.maxFrames;
      };
      const ws$ = webSocket<number>({ url: 'ws://memory/', WebSocketCtor: WebSocket, queue: { limit } });
      const dropped: number[] = [];
      ws$.dropped$.subscribe((d) => dropped.push(JSON.parse(String(d.data)) as number));
      const sub = ws$.pipe(reconnect({ initialDelay: 5, maxDelay: 20, scheduler: vts, random: () => 0.5 })).subscribe();
      let n = 0;
      for (const o of ops) {
        const peer = controller.last!;
        if (o.t === 'next') ws$.next(n++);
        else if (o.t === 'open' && peer.readyState === 0) peer.open();
        else if (o.t === 'drop' && peer.readyState === 1) peer.fail();
        else if (o.t === 'advance') advance(o.ms);
      }
      // Let it settle: the last connection opens and flushes.
      for (let i = 0; i < 10 && !(controller.last!.readyState === 1 && ws$.queueLength === 0); i++) {
        advance(25);
        if (controller.last!.readyState === 0) controller.last!.open();
      }
      const written = controller.sockets.flatMap((s) => s.sent.map((d) => JSON.parse(String(d)) as number));
      // Strictly increasing: no duplicate, no reordering, across all connections.
      for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThan(written[i - 1]!);
      expect([...written, ...dropped].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // One physical socket at a time.
      expect(controller.sockets.slice(0, -1).every((s) => s.readyState === 3)).toBe(true);
      sub.unsubscribe();
    }),
    { numRuns: 50 },
  );
});

test('a real server, random drops: the server receives no duplicate and no reordering; all else is accounted for', async () => {
  const server = await createTestServer({ json: true });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(fc.constant<'next'>('next'), fc.constant<'drop'>('drop'), fc.constant<'wait'>('wait')), { minLength: 5, maxLength: 25 }), async (ops) => {
      const writes = new Map<RxWebSocket, number[]>();
      class Recording extends RxWebSocket {
        constructor(url: string | URL, protocols?: string | string[], options?: NodeWebSocketOptions) {
          super(url, protocols, options);
          writes.set(this, []);
        }
        override send(data: string): void {
          super.send(data);
          writes.get(this)!.push(JSON.parse(data) as number);
        }
      }
      const from = server.messages.length;
      const ws$ = webSocket<number>({ url: server.url, WebSocketCtor: Recording as never });
      const dropped: number[] = [];
      ws$.dropped$.subscribe((d) => dropped.push(JSON.parse(String(d.data)) as number));
      const sub = ws$.pipe(reconnect({ initialDelay: 1, maxDelay: 5 })).subscribe();
      let n = 0;
      for (const o of ops) {
        if (o === 'next') ws$.next(n++);
        else if (o === 'drop') server.openConnections.forEach((c) => c.drop());
        else await new Promise((r) => setTimeout(r, 3));
      }
      try {
      await until(() => ws$.state === 'open' && ws$.queueLength === 0, 3000, 'open');
      // A marker: once it arrives, everything written before it on the live socket has too. (A
      // marker written into a socket that was dying is lost in flight like anything else: try again.)
      for (let tries = 0; ; tries++) {
        const marker = n++;
        ws$.next(marker);
        try {
          await until(() => server.messages.slice(from).includes(marker), 1000, `marker ${marker}`);
          break;
        } catch (error) {
          if (tries > 10) throw error;
          await until(() => ws$.state === 'open' && ws$.queueLength === 0, 3000, 'open');
        }
      }
      const received = server.messages.slice(from) as number[];
      for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThan(received[i - 1]!);
      const sockets = [...writes.values()];
      const written = sockets.flat();
      for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThan(written[i - 1]!);
      expect([...written, ...dropped].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // What the server did not receive was written to a connection that then died (lost in flight).
      const live = new Set(sockets[sockets.length - 1]);
      for (const m of written) if (!received.includes(m)) expect(live.has(m)).toBe(false);
      } finally {
        sub.unsubscribe();
      }
      await until(() => ws$.state === 'closed' && server.openConnections.length === 0, 5000, `closed ${ws$.state} ${server.openConnections.length}`);
    }),
    { numRuns: 12 },
  );
});
