// In the browser, a connection opens once the app is first stable: after hydration, when the page
// was rendered on the server (Angular hydrates, then reports stable), and right after bootstrap
// otherwise. Done through rxws's public URL factory: the first connection waits, later ones not.
import type { ApplicationRef, NgZone } from '@angular/core';
import type { WebSocketSubjectConfig } from '../subject/index.js';
import type { UrlSource } from '../websocket/socket-like.js';

/**
 * @internal Resolves one task after the first time `appRef` is stable (then at once, for every
 * later caller). One task later: Angular finishes hydration in promise callbacks of that same
 * stable moment (it cleans up the dehydrated views), and the socket comes after all of them. The
 * timer runs outside the zone, so it does not make the app unstable again.
 */
export function firstStable(appRef: ApplicationRef, zone: NgZone): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const subscription = appRef.isStable.subscribe((stable) => {
      if (!stable || done) return;
      done = true;
      zone.runOutsideAngular(() => setTimeout(resolve, 0));
      queueMicrotask(() => subscription.unsubscribe()); // (it may emit during subscribe())
    });
    if (done) subscription.unsubscribe();
  });
}

/**
 * @internal `config` whose URL is read only once `ready` has resolved (a string, a URL or a URL
 * factory alike). A config without a URL (an adopted `socket`, a `createWebSocket` factory) is
 * left as it is.
 */
export function afterReady<In, Out>(config: string | URL | WebSocketSubjectConfig<In, Out>, ready: Promise<void>): string | URL | WebSocketSubjectConfig<In, Out> {
  const url: UrlSource | undefined = typeof config === 'string' || config instanceof URL ? config : config.url;
  if (url === undefined) return config;
  // (`then`, not `await`: zone.js, fakeAsync included, sees a promise's callbacks, not native awaits.)
  const waiting = (): PromiseLike<string | URL> => ready.then(() => (typeof url === 'function' ? url() : url));
  return typeof config === 'string' || config instanceof URL ? { url: waiting } : { ...config, url: waiting };
}
