/**
 * rxws/angular: rxws connections in Angular apps (`@angular/core` 17 or later). Providers with one
 * connection per injector closed with 1000 on its destruction, zones handled (socket events and
 * timers outside Angular's zone, deliveries inside), signals of a connection, and server-side
 * rendering without sockets. See docs/angular.md.
 * @packageDocumentation
 */
export { provideWebSocket, injectWebSocket } from './providers.js';
export { connectionState, latestMessage, type SignalOptions, type StateSource } from './signals.js';
export type { AngularOptions, AngularWebSocketConfig, WebSocketConfigSource, SsrMode } from './config.js';
