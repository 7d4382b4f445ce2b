// A type-level test (checked by `tsc -p tsconfig.json`, i.e. `npm run typecheck`; jest does not run
// it): code written against rxjs 7's `WebSocketSubject<T>` type-checks against rxws, and rxws's
// own types stay exact where rxjs's were loose only by accident.
import { webSocket, WebSocketSubject, type WebSocketLike, type WebSocketSubjectConfig } from 'rxws';
import type { Observable } from 'rxjs';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

// rxjs's one type parameter means both directions.
const prices: WebSocketSubject<{ name: string; value: string }> = webSocket<{ name: string; value: string }>('ws://example');

// multiplex(subMsg, unsubMsg, filter): rxjs declares the control messages `() => any`, and rxjs
// code sends objects of another type than T, or whatever a callback returns (a number here).
const results: string[] = [];
const foo$ = prices.multiplex(() => ({ sub: 'foo' }), () => ({ unsub: 'foo' }), (value) => value.name === 'foo');
assertType<Equal<typeof foo$, Observable<{ name: string; value: string }>>>();
const strings = webSocket<string>({ url: 'ws://example' });
strings.multiplex(() => 'no-op', () => results.push('A unsub'), (message) => message === 'A');

// The exact form is still the first overload: control messages of type In, the filter's argument Out.
interface Command { op: 'sub' | 'unsub'; topic: string }
interface Update { topic: string; price: number }
const typed = webSocket<Command, Update>('ws://example');
typed.multiplex(() => ({ op: 'sub', topic: 'a' }), () => ({ op: 'unsub', topic: 'a' }), (update) => update.price > 0);
// @ts-expect-error the filter gets what the subject receives (Update), not anything
typed.multiplex(() => ({ op: 'sub', topic: 'a' }), () => ({ op: 'unsub', topic: 'a' }), (update: number) => update > 0);
// @ts-expect-error next() stays exact: a Command
typed.next({ op: 'subscribe', topic: 'a' });

// error({ code, reason }) as rxjs code calls it.
prices.error({ code: 4000, reason: 'bye' });

// A config as rxjs code writes it, with a hand-written double that has only handler attributes.
class FakeSocket {
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: { code?: number; wasClean: boolean }) => void) | null = null;
  constructor(readonly url: string, readonly protocol?: string | string[]) {}
  send(data: string): void {
    void data;
  }
  close(code?: number, reason?: string): void {
    void code;
    void reason;
  }
}
const config: WebSocketSubjectConfig<string> = {
  url: 'ws://example',
  protocol: 'chat',
  WebSocketCtor: FakeSocket,
  deserializer: (e) => String(e.data),
  closeObserver: { next: (e) => void e.wasClean },
  closingObserver: { next: () => undefined },
  openObserver: { next: (e) => void e },
};
webSocket(config);
webSocket<string>({ url: 'ws://example', createWebSocket: (url) => new FakeSocket(url) });
const socket: WebSocketLike | null = strings._socket;
void socket;
