/**
 * A component test in virtual time: rxws/angular over rxws/testing's in-memory WebSocket, with
 * fakeAsync (zone.js/testing). rxws's timers (here reconnect's backoff) run on the fake clock.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import 'zone.js';
import 'zone.js/testing';
import './helpers.js'; // Angular's test environment
import { Component, InjectionToken, provideZoneChangeDetection } from '@angular/core';
import { TestBed, fakeAsync, tick } from '@angular/core/testing';
import { connectionState, injectWebSocket, latestMessage, provideWebSocket } from 'rxws/angular';
import { reconnect, type WebSocketSubject } from 'rxws';
import { createMemoryWebSocket } from 'rxws/testing';

interface Price {
  symbol: string;
  price: number;
}
const PRICES = new InjectionToken<WebSocketSubject<{ subscribe: string }, Price>>('PRICES');

const Ticker = Component({ selector: 'app-ticker', template: '{{ state() }} {{ last()?.price ?? "-" }}' })(
  class Ticker {
    readonly socket = injectWebSocket(PRICES);
    readonly state = connectionState(this.socket);
    readonly last = latestMessage(this.socket.pipe(reconnect({ initialDelay: 1000, jitter: 'none' })), null);
  },
);

describe('rxws/angular with fakeAsync and the in-memory WebSocket', () => {
  it('renders messages, and reconnects after the backoff in virtual time', fakeAsync(() => {
    const { WebSocket, controller } = createMemoryWebSocket({ closeHandshake: 'auto' });
    TestBed.configureTestingModule({ providers: [provideZoneChangeDetection(), provideWebSocket(PRICES, { url: 'ws://test/prices', WebSocketCtor: WebSocket })] });
    const fixture = TestBed.createComponent(Ticker);
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('connecting -');
    expect(controller.sockets).toHaveLength(0); // the socket opens once the app is first stable
    tick(); // (the app is stable: the connection goes on)
    expect(controller.sockets).toHaveLength(1);
    controller.last!.open();
    controller.last!.receive(JSON.stringify({ symbol: 'ACME', price: 42 }));
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('open 42');
    controller.last!.fail('network down');
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('reconnecting 42');
    tick(999);
    expect(controller.sockets).toHaveLength(1);
    tick(1);
    expect(controller.sockets).toHaveLength(2);
    controller.last!.open();
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('open 42');
    fixture.destroy();
    expect(controller.last!.closeRequest).toEqual({ code: 1000, reason: '' });
  }));
});

