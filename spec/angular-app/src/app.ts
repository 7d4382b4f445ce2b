// The proof app's root: shows the feed (or not), counts its change detections, and exposes what
// the test reads on `window.__app`.
import { ApplicationRef, Component, NgZone, afterEveryRender, signal, type ApplicationConfig, type EnvironmentProviders, type Provider } from '@angular/core';
import { provideClientHydration } from '@angular/platform-browser';
import { Feed } from './feed.js';

@Component({
  selector: 'app-root',
  imports: [Feed],
  template: `
    <h1>rxws/angular</h1>
    @if (showFeed()) {
      <app-feed />
    }
  `,
})
export class App {
  readonly showFeed = signal(true);
  /** Change detection passes so far (afterEveryRender runs once per pass). */
  renders = 0;

  constructor() {
    afterEveryRender(() => this.renders++);
  }
}

/**
 * The app's config; `changeDetection` is provideZoneChangeDetection() or
 * provideZonelessChangeDetection(). With `hydration` (a server-rendered page, and the server's
 * render itself) the client hydrates the server's DOM.
 */
export function appConfig(changeDetection: Provider | EnvironmentProviders, hydration: boolean): ApplicationConfig {
  return { providers: [changeDetection, hydration ? [provideClientHydration()] : []] };
}

/** Whether this page was rendered on the server (it carries Angular's transfer state). */
export function serverRendered(): boolean {
  return document.getElementById('ng-state') !== null;
}

/** What the test reads in the page. */
export interface AppProbe {
  app: App;
  appRef: ApplicationRef;
  zone: NgZone;
  /** `ApplicationRef.isStable`'s current value. */
  isStable(): boolean;
  /** Angular's zone has a pending macrotask (a timer); false in a zoneless app. */
  pendingMacrotasks(): boolean;
}

/** Exposes the running app on `window.__app`. */
export function expose(appRef: ApplicationRef): void {
  const zone = appRef.injector.get(NgZone);
  const probe: AppProbe = {
    app: appRef.components[0]!.instance as App,
    appRef,
    zone,
    isStable() {
      let stable = false;
      appRef.isStable.subscribe((value) => (stable = value)).unsubscribe();
      return stable;
    },
    pendingMacrotasks: () => zone.hasPendingMacrotasks,
  };
  (globalThis as { __app?: AppProbe }).__app = probe;
}
