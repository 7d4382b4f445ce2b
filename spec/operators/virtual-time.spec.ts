// reconnect() in virtual time: the kit's in-memory WebSocket with RxJS's TestScheduler (and Jest
// fake timers for the default scheduler): the delay sequence, connectTimeout, offline/online.
import { webSocket, reconnect, backoffDelay, timerScheduler, type ConnectionStatus, type NetworkStatus } from 'rxws';
import { createMemoryWebSocket } from 'rxws/testing';
import { TestScheduler } from 'rxjs/testing';

function run(body: (ts: TestScheduler) => void): void {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run(() => body(ts));
}

test('the delay sequence: exponential, capped, every attempt at its time (jitter none)', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const log: string[] = [];
  run((ts) => {
    controller.onCreate((peer) => ts.schedule(() => peer.fail('refused'), 1)); // every attempt fails after 1 ms
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    ws$.status$.subscribe((s) => log.push(`${ts.now()} ${s.state}${s.state === 'reconnecting' ? ` #${s.attempt} ${s.delay}` : ''}`));
    const sub = ws$.pipe(reconnect({ initialDelay: 100, factor: 3, maxDelay: 1000, jitter: 'none', scheduler: ts })).subscribe({ error: () => log.push(`${ts.now()} error`) });
    ts.schedule(() => sub.unsubscribe(), 3000);
  });
  expect(log).toEqual([
    '0 idle',
    '0 connecting',
    '1 closed',
    '1 reconnecting #1 100',
    '101 connecting',
    '102 closed',
    '102 reconnecting #2 300',
    '402 connecting',
    '403 closed',
    '403 reconnecting #3 900',
    '1303 connecting',
    '1304 closed',
    '1304 reconnecting #4 1000',
    '2304 connecting',
    '2305 closed',
    '2305 reconnecting #5 1000',
    '3000 closed',
  ]);
  expect(controller.sockets).toHaveLength(5);
});

test('equal jitter stays within [cap/2, cap]; full jitter within [0, cap]; both drawn per attempt', () => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const cap = Math.min(30_000, 1000 * 2 ** (attempt - 1));
    expect(backoffDelay(attempt, { jitter: 'equal' }, () => 0)).toBe(cap / 2);
    expect(backoffDelay(attempt, { jitter: 'equal' }, () => 0.999999)).toBe(cap);
    expect(backoffDelay(attempt, {}, () => 0)).toBe(0);
    expect(backoffDelay(attempt, {}, () => 0.5)).toBe(Math.round(cap / 2));
  }
  expect(backoffDelay(50, { jitter: 'none' })).toBe(30_000);
  expect(() => backoffDelay(1, { factor: 0.5 })).toThrow(TypeError);
});

test('connectTimeout in virtual time: a socket that never opens is closed at the deadline (kind timeout, 1006)', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const statuses: ConnectionStatus[] = [];
  run((ts) => {
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    ws$.status$.subscribe((s) => statuses.push(s));
    const sub = ws$.pipe(reconnect({ connectTimeout: 500, initialDelay: 50, jitter: 'none', scheduler: ts })).subscribe();
    ts.schedule(() => {
      expect(controller.sockets).toHaveLength(2);
      expect(controller.sockets[0]!.readyState).toBe(3);
      controller.last!.open();
    }, 560);
    ts.schedule(() => sub.unsubscribe(), 2000);
  });
  const rec = statuses.find((s) => s.state === 'reconnecting');
  expect(rec).toMatchObject({ attempt: 1, delay: 50, cause: { kind: 'timeout', code: 1006 } });
  expect(statuses.map((s) => s.state)).toContain('open');
});

test('Jest fake timers drive the default scheduler', () => {
  jest.useFakeTimers();
  try {
    const { WebSocket, controller } = createMemoryWebSocket();
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    const sub = ws$.pipe(reconnect({ initialDelay: 1000, jitter: 'none' })).subscribe();
    controller.last!.fail();
    expect(ws$.status).toMatchObject({ state: 'reconnecting', delay: 1000 });
    jest.advanceTimersByTime(999);
    expect(controller.sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(controller.sockets).toHaveLength(2);
    sub.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

test("timerScheduler's Node timers are unref'ed", () => {
  const sub = timerScheduler.schedule(() => undefined, 60_000);
  const refs = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  sub.unsubscribe();
  // An unref'ed timer is not an active resource that keeps the loop alive.
  const handle = setTimeout(() => undefined, 60_000);
  const withRef = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  clearTimeout(handle);
  expect(withRef).toBe(refs + 1);
});

function fakeNetwork(onLine: boolean): NetworkStatus & { set(on: boolean): void; listeners(): number } {
  const target = new EventTarget();
  let count = 0;
  const network = {
    onLine,
    addEventListener: (type: string, l: () => void) => (count++, target.addEventListener(type, l)),
    removeEventListener: (type: string, l: () => void) => (count--, target.removeEventListener(type, l)),
    set(on: boolean) {
      network.onLine = on;
      target.dispatchEvent(new Event(on ? 'online' : 'offline'));
    },
    listeners: () => count,
  };
  return network;
}

test('offline pauses attempts; online retries at once (with a fresh count); listeners removed on teardown', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const network = fakeNetwork(true);
  const log: string[] = [];
  run((ts) => {
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    ws$.status$.subscribe((s) => log.push(`${ts.now()} ${s.state}${s.state === 'reconnecting' ? ` #${s.attempt}` : ''}`));
    const sub = ws$.pipe(reconnect({ initialDelay: 100, jitter: 'none', scheduler: ts, network })).subscribe();
    expect(network.listeners()).toBe(1);
    ts.schedule(() => controller.last!.open(), 1);
    ts.schedule(() => (network.set(false), controller.last!.fail()), 10); // the network went away
    ts.schedule(() => expect(controller.sockets).toHaveLength(1), 1000); // no attempt while offline
    ts.schedule(() => network.set(true), 1500);
    ts.schedule(() => {
      expect(controller.sockets).toHaveLength(2);
      sub.unsubscribe();
      expect(network.listeners()).toBe(0);
    }, 1501);
  });
  expect(log).toEqual(['0 idle', '0 connecting', '1 open', '10 closed', '10 reconnecting #1', '1500 connecting', '1501 closing', '1501 closed']);
});

test('coming back online without an online event (as in Chromium workers) is noticed by a later look', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const network = fakeNetwork(true);
  run((ts) => {
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    const sub = ws$.pipe(reconnect({ initialDelay: 100, jitter: 'none', scheduler: ts, network })).subscribe();
    ts.schedule(() => controller.last!.open(), 1);
    ts.schedule(() => (network.set(false), controller.last!.fail()), 10);
    ts.schedule(() => ((network as { onLine: boolean }).onLine = true), 500); // back online, but no event is dispatched
    ts.schedule(() => expect(controller.sockets).toHaveLength(1), 1100); // still waiting (next look at 110 + 1000)
    ts.schedule(() => {
      expect(controller.sockets).toHaveLength(2); // the look at 1110 saw onLine and attempted
      sub.unsubscribe();
    }, 1111);
  });
});

test('a plain observable is resubscribed with backoff (no state reporting)', () => {
  let subscriptions = 0;
  const times: number[] = [];
  run((ts) => {
    const { Observable } = jest.requireActual<typeof import('rxjs')>('rxjs');
    const source = new Observable<number>((s) => {
      subscriptions++;
      times.push(ts.now());
      if (subscriptions < 4) s.error(Object.assign(new Error('lost'), { code: 1006 }));
      else s.next(subscriptions);
    });
    const values: number[] = [];
    source.pipe(reconnect({ initialDelay: 10, jitter: 'none', scheduler: ts })).subscribe((v) => values.push(v));
    ts.schedule(() => expect(values).toEqual([4]), 100);
  });
  expect(times).toEqual([0, 10, 30, 70]);
});

test('a plain observable: fatal codes and maxAttempts stop it with the error', () => {
  run((ts) => {
    const { throwError } = jest.requireActual<typeof import('rxjs')>('rxjs');
    const errors: unknown[] = [];
    throwError(() => ({ code: 1008 })).pipe(reconnect({ scheduler: ts })).subscribe({ error: (e) => errors.push(e) });
    throwError(() => new Error('x')).pipe(reconnect({ scheduler: ts, maxAttempts: 2, initialDelay: 1 })).subscribe({ error: (e) => errors.push(e) });
    ts.schedule(() => expect(errors).toEqual([{ code: 1008 }, new Error('x')]), 100);
  });
});

test('bad options are refused up front, each with a message naming the option', () => {
  const cases: [unknown, RegExp][] = [
    [null, /'options' must be an object/],
    [{ bogus: 1 }, /unknown option 'bogus'/],
    [{ shouldReconnect: 1 }, /'shouldReconnect' must be a function/],
    [{ random: 'x' }, /'random' must be a function/],
    [{ scheduler: 5 }, /'scheduler' must be an RxJS SchedulerLike/],
    [{ initialDelay: -1 }, /'initialDelay' must be a finite number >= 0, not -1/],
    [{ maxDelay: Infinity }, /'maxDelay' must be a finite number >= 0, not Infinity/],
    [{ factor: 0.5 }, /'factor' must be a finite number >= 1, not 0.5/],
    [{ jitter: 'some' }, /'jitter' must be 'full', 'equal' or 'none', not "some"/],
    [{ maxAttempts: 1.5 }, /'maxAttempts' must be a whole number >= 0 or Infinity, not 1.5/],
    [{ resetAfter: NaN }, /'resetAfter' must be a number >= 0 or Infinity, not NaN/],
    [{ connectTimeout: -5 }, /'connectTimeout' must be a number >= 0 or Infinity, not -5/],
  ];
  for (const [options, message] of cases) expect(() => reconnect(options as never)).toThrow(message);
  expect(() => reconnect({ maxAttempts: Infinity, resetAfter: Infinity, connectTimeout: Infinity, network: false })).not.toThrow();
});

test('resetAfter: Infinity never starts the count over (the default scheduler sets no timer, which would fire at once)', () => {
  jest.useFakeTimers();
  try {
    const { WebSocket, controller } = createMemoryWebSocket();
    const attempts: number[] = [];
    const ws$ = webSocket({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    const watching = ws$.status$.subscribe((s) => s.state === 'reconnecting' && attempts.push(s.attempt));
    const sub = ws$.pipe(reconnect({ initialDelay: 10, jitter: 'none', resetAfter: Infinity })).subscribe();
    controller.last!.open();
    jest.advanceTimersByTime(60_000);
    controller.last!.fail();
    jest.advanceTimersByTime(10);
    controller.last!.open();
    jest.advanceTimersByTime(60_000);
    controller.last!.fail();
    expect(attempts).toEqual([1, 2]);
    sub.unsubscribe();
    watching.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});
