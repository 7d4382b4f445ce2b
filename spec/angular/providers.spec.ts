/**
 * rxws/angular's providers and signals in a zoneless app (Angular 21's default; zone.js is never
 * loaded in this file), against a real rxws/testing server.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { until } from './helpers.js';
import { ApplicationRef, Component, ErrorHandler, InjectionToken, Injector, PLATFORM_ID, inject, type Signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { connectionState, injectWebSocket, latestMessage, provideWebSocket } from 'rxws/angular';
import { NEVER, Subject } from 'rxjs';
import { reconnect, type ConnectionState, type WebSocketSubject } from 'rxws';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import 'rxws/testing/jest';

useTestServers({ onLeak: 'throw' });

interface Update {
  n: number;
}
const LIVE = new InjectionToken<WebSocketSubject<Update, Update>>('LIVE');
const API_URL = new InjectionToken<string>('API_URL');

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer({ json: true });
});

describe('provideWebSocket()', () => {
  it('returns plain providers (usable in component providers), and checks its arguments', () => {
    const providers = provideWebSocket(LIVE, 'ws://127.0.0.1:1');
    expect(Array.isArray(providers)).toBe(true);
    expect(providers).toEqual([expect.objectContaining({ provide: LIVE, useFactory: expect.any(Function) })]);
    expect(() => provideWebSocket('LIVE' as never, 'ws://127.0.0.1:1')).toThrow(/InjectionToken/);
    expect(() => provideWebSocket(LIVE, undefined as never)).toThrow(/config/);
  });

  it('makes the connection lazily, from a config factory run in an injection context', async () => {
    let made = 0;
    TestBed.configureTestingModule({
      providers: [
        { provide: API_URL, useValue: server.url },
        provideWebSocket(LIVE, () => {
          made++;
          return { url: inject(API_URL) + '/live' };
        }),
      ],
    });
    expect(made).toBe(0);
    const socket = TestBed.runInInjectionContext(() => injectWebSocket(LIVE));
    expect(made).toBe(1);
    expect(socket.state).toBe('idle');
    expect(server.connections).toHaveLength(0);
    const subscription = socket.subscribe();
    const connection = await server.nextConnection();
    expect(connection.request.path).toBe('/live');
    expect(TestBed.inject(LIVE)).toBe(socket); // one per providing injector
    await until(() => socket.state === 'open', 'open'); // (a close while connecting abandons the socket: 1006)
    subscription.unsubscribe();
    expect((await connection.closed).code).toBe(1000);
  });

  it('rejects a bad ssr mode when the connection is made', () => {
    TestBed.configureTestingModule({ providers: [provideWebSocket(LIVE, { url: server.url, ssr: 'sometimes' as never })] });
    expect(() => TestBed.inject(LIVE)).toThrow(/'ssr' must be 'skip' or 'connect'/);
  });

  it('closes the connection with 1000 when the providing injector (the app) is destroyed', async () => {
    TestBed.configureTestingModule({ providers: [provideWebSocket(LIVE, server.url)] });
    const socket = TestBed.inject(LIVE);
    const errors: unknown[] = [];
    socket.pipe(reconnect()).subscribe({ error: (error: unknown) => errors.push(error) });
    const connection = await server.nextConnection();
    await until(() => socket.state === 'open', 'open');
    TestBed.resetTestingModule(); // destroys the root injector
    expect(await connection.closed).toMatchObject({ code: 1000, wasClean: true });
    expect(errors).toEqual([]);
    expect(server.connections).toHaveLength(1); // reconnect() did not bring it back
  });

  it('gives each component instance that provides it its own connection, closed when the component is destroyed', async () => {
    const Live = Component({ selector: 'app-live', template: '{{ state() }}', providers: [provideWebSocket(LIVE, server.url)] })(
      class Live {
        readonly socket = injectWebSocket(LIVE);
        readonly state: Signal<ConnectionState> = connectionState(this.socket);
        readonly last: Signal<Update | null> = latestMessage(this.socket.pipe(reconnect()), null);
      },
    );
    const first = TestBed.createComponent(Live);
    const second = TestBed.createComponent(Live);
    expect(first.componentInstance.socket).not.toBe(second.componentInstance.socket);
    const [a, b] = [await server.nextConnection(), await server.nextConnection()];
    await until(() => first.componentInstance.state() === 'open' && second.componentInstance.state() === 'open', 'both open');
    await first.whenStable();
    expect(first.nativeElement.textContent).toBe('open');
    first.destroy();
    expect((await a.closed).code).toBe(1000);
    expect(b.isOpen).toBe(true);
    second.destroy();
    expect((await b.closed).code).toBe(1000);
  });

  it('injectWebSocket() names the token it has no provider for', () => {
    expect(() => TestBed.runInInjectionContext(() => injectWebSocket(LIVE))).toThrow(/no provider for InjectionToken LIVE; add provideWebSocket/);
  });
});

describe('signals', () => {
  it('connectionState() follows the connection and latestMessage() the messages, unsubscribed with their injection context', async () => {
    TestBed.configureTestingModule({ providers: [provideWebSocket(LIVE, server.url)] });
    const View = Component({ selector: 'app-view', template: '{{ state() }}:{{ last()?.n }}' })(
      class View {
        readonly state = connectionState(injectWebSocket(LIVE));
        readonly last = latestMessage(injectWebSocket(LIVE).pipe(reconnect()), undefined);
      },
    );
    const socket = TestBed.inject(LIVE);
    const fixture = TestBed.createComponent(View);
    const view = fixture.componentInstance;
    const connection = await server.nextConnection();
    await until(() => view.state() === 'open', "state 'open'");
    expect(view.last()).toBeUndefined();
    connection.send({ n: 1 });
    connection.send({ n: 2 });
    await until(() => view.last()?.n === 2, 'the second message');
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent).toBe('open:2');
    // The server restarts: reconnecting, then open again, and the messages go on.
    const states: ConnectionState[] = [];
    socket.state$.subscribe((state) => states.push(state));
    await server.restart();
    const again = await server.nextConnection();
    await until(() => view.state() === 'open' && states.includes('reconnecting'), "'reconnecting' then 'open'");
    again.send({ n: 3 });
    await until(() => view.last()?.n === 3, 'a message after the restart');
    // Destroying the view ends latestMessage()'s subscription: the last subscriber leaves, the connection closes.
    fixture.destroy();
    expect((await again.closed).code).toBe(1000);
    await until(() => socket.state === 'closed', "state 'closed'");
  });

  it("latestMessage() hands an error to Angular's ErrorHandler and keeps its last value; { injector } works outside an injection context", () => {
    const handled: unknown[] = [];
    TestBed.configureTestingModule({ providers: [{ provide: ErrorHandler, useValue: { handleError: (error: unknown) => handled.push(error) } }] });
    const source = new Subject<number>();
    const last = latestMessage(source, 0, { injector: TestBed.inject(Injector) });
    source.next(1);
    expect(last()).toBe(1);
    source.error(new Error('lost'));
    expect(last()).toBe(1);
    expect(handled).toEqual([new Error('lost')]);
  });

  it('need an injection context, or an injector', () => {
    const socket = { state$: NEVER } as never;
    expect(() => connectionState(socket)).toThrow(/NG0203/);
    expect(() => latestMessage(socket, 0)).toThrow(/NG0203/);
  });
});

describe('server-side rendering (PLATFORM_ID server)', () => {
  it('opens no socket: the state stays idle, the message signal keeps its initial value, the app is stable', async () => {
    TestBed.configureTestingModule({ providers: [{ provide: PLATFORM_ID, useValue: 'server' }, provideWebSocket(LIVE, server.url)] });
    const socket = TestBed.inject(LIVE);
    const state = TestBed.runInInjectionContext(() => connectionState(socket));
    const last = TestBed.runInInjectionContext(() => latestMessage(socket.pipe(reconnect()), 'initial' as const));
    socket.next({ n: 1 }); // dropped, not queued
    expect(socket.queueLength).toBe(0);
    // rxws makes a subject's socket synchronously on subscribe: none was made.
    expect(socket._socket).toBeNull();
    expect(state()).toBe('idle');
    expect(last()).toBe('initial');
    await TestBed.inject(ApplicationRef).whenStable();
    expect(server.handshakes).toHaveLength(0);
  });

  it("connects with ssr: 'connect'", async () => {
    TestBed.configureTestingModule({ providers: [{ provide: PLATFORM_ID, useValue: 'server' }, provideWebSocket(LIVE, { url: server.url, ssr: 'connect' })] });
    const last = TestBed.runInInjectionContext(() => latestMessage(TestBed.inject(LIVE), null));
    const connection = await server.nextConnection();
    connection.send({ n: 7 });
    await until(() => last()?.n === 7, 'the message');
    TestBed.resetTestingModule();
    expect((await connection.closed).code).toBe(1000);
  });
});
