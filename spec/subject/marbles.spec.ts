// Virtual time: the kit's in-memory WebSocket (synchronous, no network) with RxJS's TestScheduler,
// for the sequences where timing matters (state$, retry delays, synchronous closes).
import { webSocket, WebSocketCloseError } from 'rxws';
import { createMemoryWebSocket } from 'rxws/testing';
import { TestScheduler } from 'rxjs/testing';
import { map, retry, type Observable } from 'rxjs';

function virtual(body: (ts: TestScheduler, at: (frame: number, fn: () => void) => void, log: (name: string, source: Observable<unknown>) => void) => void): string[] {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const out: string[] = [];
  ts.run(({ expectObservable }) => {
    void expectObservable;
    const at = (frame: number, fn: () => void): void => void ts.schedule(fn, frame);
    const log = (name: string, source: Observable<unknown>): void => {
      source.subscribe({
        next: (v) => out.push(`${ts.now()} ${name} ${String(v)}`),
        error: (e: unknown) => out.push(`${ts.now()} ${name} error ${(e as WebSocketCloseError).code}`),
        complete: () => out.push(`${ts.now()} ${name} complete`),
      });
    };
    body(ts, at, log);
  });
  return out;
}

test('state$ and messages through open, a server message and a server restart', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const out = virtual((_ts, at, log) => {
    const ws$ = webSocket<string>({ url: 'ws://memory/', WebSocketCtor: WebSocket, deserializer: (e) => String(e.data) });
    log('state', ws$.state$);
    log('ws', ws$);
    at(2, () => controller.last!.open());
    at(4, () => controller.last!.receive('m'));
    at(6, () => controller.last!.close(1012, 'restart'));
  });
  expect(out).toEqual(['0 state idle', '0 state connecting', '2 state open', '4 ws m', '6 state closed', '6 ws error 1012']);
});

test('retry({ delay }) reconnects after the delay, in virtual time; the queue survives', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const out = virtual((_ts, at, log) => {
    const ws$ = webSocket<string>({ url: 'ws://memory/', WebSocketCtor: WebSocket, serializer: (s) => s, deserializer: (e) => String(e.data) });
    log('state', ws$.state$);
    log('ws', ws$.pipe(retry({ delay: 100 })));
    at(1, () => controller.last!.open());
    at(3, () => controller.last!.fail());
    at(5, () => ws$.next('offline'));
    at(104, () => controller.last!.open());
    at(105, () => controller.last!.receive('back'));
  });
  expect(out).toEqual([
    '0 state idle',
    '0 state connecting',
    '1 state open',
    '3 state closed',
    '103 state connecting',
    '104 state open',
    '105 ws back',
  ]);
  expect(controller.sockets).toHaveLength(2);
  expect(controller.sockets[1]!.sent).toEqual(['offline']);
});

test('a synchronous close (the memory socket closes inside close()) completes at once', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  const out = virtual((_ts, at, log) => {
    const ws$ = webSocket<string>({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    log('state', ws$.state$);
    log('ws', ws$);
    log('close', ws$.close$.pipe(map((e) => e.code)));
    at(1, () => controller.last!.open());
    at(3, () => ws$.close(4000, 'bye'));
  });
  expect(out).toEqual(['0 state idle', '0 state connecting', '1 state open', '3 state closing', '3 state closed', '3 close 4000', '3 ws complete']);
  expect(controller.last!.closeRequest).toEqual({ code: 4000, reason: 'bye' });
});

test('unsubscribing while CONNECTING fails the memory socket at once; the queued message stays queued', () => {
  const { WebSocket, controller } = createMemoryWebSocket();
  let queueLength = -1;
  const out = virtual((ts, at, log) => {
    const ws$ = webSocket<string>({ url: 'ws://memory/', WebSocketCtor: WebSocket });
    log('state', ws$.state$);
    const subscription = ws$.subscribe();
    ws$.next('never');
    at(2, () => subscription.unsubscribe());
    at(3, () => (queueLength = ws$.queueLength));
    void ts;
  });
  expect(out).toEqual(['0 state idle', '0 state connecting', '2 state closing', '2 state closed']);
  expect(controller.sockets).toHaveLength(1);
  expect(controller.last!.readyState).toBe(3);
  expect(controller.last!.sent).toEqual([]);
  expect(queueLength).toBe(1);
});
