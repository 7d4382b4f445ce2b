// The proof app's feed: one connection per instance (component providers), its state and the
// messages of one topic as signals, rendered as they arrive.
import { Component, InjectionToken, PLATFORM_ID, PendingTasks, inject } from '@angular/core';
import { DOCUMENT, isPlatformServer } from '@angular/common';
import { first, scan } from 'rxjs';
import { heartbeat, reconnect, type WebSocketSubject } from 'rxws';
import { connectionState, injectWebSocket, latestMessage, provideWebSocket } from 'rxws/angular';

export type Command = { type: 'subscribe' | 'unsubscribe'; topic: string } | { type: 'ping' };
export type Event = { type: 'tick'; topic: string; n: number } | { type: 'pong' };

export const FEED = new InjectionToken<WebSocketSubject<Command, Event>>('FEED');

/** The page's query: `?ws=` the server's URL; `?ssr=connect` to connect while rendering on the server too. */
function query(): URLSearchParams {
  return new URLSearchParams(inject(DOCUMENT).location.search);
}

function feedUrl(): string {
  const url = query().get('ws');
  if (url === null) throw new Error('the page needs ?ws=<server url>');
  return url;
}

@Component({
  selector: 'app-feed',
  providers: [
    provideWebSocket(FEED, () => ({
      url: feedUrl(),
      ssr: query().get('ssr') === 'connect' ? 'connect' : 'skip',
      heartbeat: heartbeat<Command, Event>({ interval: 100, timeout: 1000, ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' }),
    })),
  ],
  template: `
    <p id="state">{{ state() }}</p>
    <ol id="ticks">
      @for (tick of ticks(); track $index) {
        <li>{{ tick }}</li>
      }
    </ol>
  `,
})
export class Feed {
  readonly socket = injectWebSocket(FEED);
  readonly state = connectionState(this.socket);
  /** The topic's ticks so far; subscribed again (subscribe message re-sent) on every connection. */
  readonly ticks = latestMessage(
    this.socket
      .multiplex(
        () => ({ type: 'subscribe', topic: 'ticks' }),
        () => ({ type: 'unsubscribe', topic: 'ticks' }),
        (m) => m.type === 'tick' && m.topic === 'ticks',
      )
      .pipe(
        reconnect({ initialDelay: 100, maxDelay: 500 }),
        scan((all: number[], m) => (m.type === 'tick' ? [...all, m.n] : all), []),
      ),
    [] as number[],
  );

  constructor() {
    // Rendering on the server with a live connection: hold the render until the first tick.
    if (isPlatformServer(inject(PLATFORM_ID)) && query().get('ssr') === 'connect') {
      const done = inject(PendingTasks).add();
      this.socket.pipe(first((m) => m.type === 'tick')).subscribe({ complete: done, error: done });
    }
  }
}
