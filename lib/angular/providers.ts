// provideWebSocket() and injectWebSocket(): one connection per providing injector, made on first
// use and closed with 1000 when that injector is destroyed.
import { ApplicationRef, DestroyRef, InjectionToken, NgZone, PLATFORM_ID, inject, type Provider } from '@angular/core';
import type { WebSocketSubject } from '../subject/index.js';
import { resolveConfig, type WebSocketConfigSource } from './config.js';
import { ZonedWebSocketSubject } from './zoned-subject.js';
import { afterReady, firstStable } from './hydration.js';

/** `PLATFORM_ID` on the server platform (what `isPlatformServer()` of `@angular/common` tests). */
const SERVER_PLATFORM = 'server';

/**
 * Provides the connection `token` stands for: plain `Provider`s, so they go in
 * `bootstrapApplication()`, an `ApplicationConfig`, a route's or a component's `providers`.
 *
 * The connection ({@link injectWebSocket}) is made on first injection, one per injector that
 * provides it (the app, a route's environment injector, each instance of a component), and
 * closed with 1000 when that injector is destroyed. Its socket and every rxws timer run outside
 * Angular's zone; values, errors and completions are delivered inside it. On the server platform
 * no socket is opened unless the config says `ssr: 'connect'`; in the browser the first socket
 * opens once the app is first stable (after hydration, for a server-rendered page).
 *
 * @param token an `InjectionToken<WebSocketSubject<In, Out>>`.
 * @param config a URL, a config (rxws's `WebSocketSubjectConfig` plus `ssr`), or a
 * function returning one, called in an injection context when the connection is made.
 * @throws TypeError when `token` is not an `InjectionToken` or `config` is missing.
 *
 * @example
 * export const PRICES = new InjectionToken<WebSocketSubject<PriceCommand, PriceUpdate>>('PRICES');
 *
 * bootstrapApplication(App, {
 *   providers: [provideWebSocket(PRICES, () => ({ url: inject(API_URL) + '/prices', heartbeat: true }))],
 * });
 */
export function provideWebSocket<In, Out = In>(token: InjectionToken<WebSocketSubject<In, Out>>, config: WebSocketConfigSource<In, Out>): Provider[] {
  if (!(token instanceof InjectionToken)) throw new TypeError('provideWebSocket(): the first argument must be an InjectionToken<WebSocketSubject<In, Out>>.');
  if (config === undefined || config === null) throw new TypeError(`provideWebSocket(${token.toString()}): a config (URL, object or factory) is required.`);
  return [{ provide: token, useFactory: () => createConnection(config) }];
}

/** Makes the connection, in the providing injector's context. */
function createConnection<In, Out>(source: WebSocketConfigSource<In, Out>): WebSocketSubject<In, Out> {
  const { subject: config, ssr } = resolveConfig(source);
  const onServer = inject(PLATFORM_ID) === SERVER_PLATFORM;
  // In the browser the socket opens once the app is first stable: after hydration of a
  // server-rendered page (the DOM is Angular's by then), right after bootstrap otherwise.
  const zone = inject(NgZone);
  const subjectConfig = onServer ? config : afterReady(config, firstStable(inject(ApplicationRef), zone));
  const subject = new ZonedWebSocketSubject<In, Out>(subjectConfig, { zone, inert: onServer && ssr !== 'connect' });
  inject(DestroyRef).onDestroy(() => subject.close(1000, ''));
  return subject;
}

/**
 * The connection `token` stands for, as provided by {@link provideWebSocket} in this injector or
 * an ancestor. Call it in an injection context (a constructor, a field initialiser, a provider
 * factory).
 *
 * @throws Error when nothing provides `token`, naming it; Angular's NG0203 outside an injection context.
 *
 * @example
 * @Component({ selector: 'app-prices', template: `{{ state() }}` })
 * export class Prices {
 *   readonly socket = injectWebSocket(PRICES);
 *   readonly state = connectionState(this.socket);
 *   readonly last = latestMessage(this.socket.pipe(reconnect()), null);
 * }
 */
export function injectWebSocket<In, Out = In>(token: InjectionToken<WebSocketSubject<In, Out>>): WebSocketSubject<In, Out> {
  const subject = inject(token, { optional: true });
  if (subject === null) throw new Error(`injectWebSocket(): no provider for ${token.toString()}; add provideWebSocket(${token.toString()}, config) to the providers of the app, a route or a component.`);
  return subject;
}
