// What an app on Angular 17 (the oldest supported) writes with rxws/angular: type-checked against
// @angular/core 17.3's declarations by spec/angular/angular-versions.spec.ts.
import { Component, InjectionToken, inject, type Provider, type Signal } from '@angular/core';
import { reconnect, type ConnectionState, type WebSocketSubject } from 'rxws';
import { connectionState, injectWebSocket, latestMessage, provideWebSocket } from 'rxws/angular';

interface Update {
  price: number;
}
const LIVE = new InjectionToken<WebSocketSubject<{ sub: string }, Update>>('LIVE');
const API_URL = new InjectionToken<string>('API_URL');

export const providers: Provider[] = provideWebSocket(LIVE, () => ({ url: inject(API_URL) + '/live' }));

export const Live = Component({ selector: 'app-live', template: '{{ state() }}', providers: [provideWebSocket(LIVE, 'wss://example.test')] })(
  class Live {
    readonly socket: WebSocketSubject<{ sub: string }, Update> = injectWebSocket(LIVE);
    readonly state: Signal<ConnectionState> = connectionState(this.socket);
    readonly last: Signal<Update | null> = latestMessage(this.socket.pipe(reconnect()), null);
  },
);
