// An Angular service around one rxws connection (docs/angular.md). Type-checked against
// Angular's published types by spec/browser/angular.spec.ts.
import { DestroyRef, Injectable, NgZone, inject } from '@angular/core';
import { Observable, asyncScheduler, share, type MonoTypeOperatorFunction, type OperatorFunction, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { webSocket, type ConnectionState, type WebSocketSubject } from 'rxws';

export interface PriceCommand {
  type: 'subscribe' | 'unsubscribe';
  symbol: string;
}

export interface PriceUpdate {
  symbol: string;
  price: number;
}

/** Subscribes to `source` outside the Angular zone: its socket events and timers never trigger change detection. */
export function runOutsideZone<T>(zone: NgZone): MonoTypeOperatorFunction<T> {
  return (source) => new Observable<T>((subscriber) => zone.runOutsideAngular(() => source.subscribe(subscriber)));
}

/** Delivers each notification inside the zone, so the app renders what arrived. */
export function enterZone<T>(zone: NgZone): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => zone.run(() => subscriber.next(value)),
        error: (error: unknown) => zone.run(() => subscriber.error(error)),
        complete: () => zone.run(() => subscriber.complete()),
      }),
    );
}

@Injectable({ providedIn: 'root' })
export class PriceSocket {
  readonly #zone = inject(NgZone);
  readonly #socket: WebSocketSubject<PriceCommand, PriceUpdate> = webSocket<PriceCommand, PriceUpdate>({
    url: 'wss://prices.example.com/v1',
  });

  /** Price updates, shared by every component; the socket lives outside the zone. */
  readonly updates$: Observable<PriceUpdate> = this.#socket.pipe(runOutsideZone(this.#zone), enterZone(this.#zone), share());

  /** The connection's state, for a status badge. */
  readonly state$: Observable<ConnectionState> = this.#socket.state$.pipe(enterZone(this.#zone));

  constructor() {
    // Close with 1000 when the injector (the app) is destroyed.
    inject(DestroyRef).onDestroy(() => this.#socket.close(1000, 'app destroyed'));
  }

  subscribe(symbol: string): void {
    this.#socket.next({ type: 'subscribe', symbol });
  }
}

/** A scheduler whose timers are created outside the zone (for rxws's time-based options). */
export class OutsideZoneScheduler implements SchedulerLike {
  constructor(
    private readonly zone: NgZone,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  now(): number {
    return this.scheduler.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay: number, state: T): Subscription;
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription;
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    return this.zone.runOutsideAngular(() => this.scheduler.schedule(work, delay, state));
  }
}
