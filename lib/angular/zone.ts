// The zone boundary of rxws/angular: rxws's machinery (socket events, reconnect backoff, connect
// timeouts, heartbeats) runs outside Angular's zone, so no timer or socket frame keeps the app
// unstable or triggers change detection; the app's callbacks run inside it.
import type { NgZone } from '@angular/core';
import { Observable, type Observer } from 'rxjs';

/** Whether the code runs in Angular's zone now (false with no zone.js loaded: a zoneless app). */
function inAngularZone(zone: NgZone): boolean {
  // NgZone.isInAngularZone is static; read through the instance's class so zone.js is never required.
  return (zone.constructor as { isInAngularZone?: () => boolean }).isInAngularZone?.() === true;
}

/** Runs `fn` inside `zone` unless it already runs there (a nested delivery adds no change detection). */
export function runInZone<T>(zone: NgZone, fn: () => T): T {
  return inAngularZone(zone) ? fn() : zone.run(fn);
}

/**
 * @internal The observer `target` seen through the zone: each callback `target` has is called
 * inside Angular's zone (one `NgZone.run` per delivery); a callback it lacks stays absent, so an
 * internal observer that ignores values (reconnect()'s driver subscription) costs no change detection.
 */
export function deliveringInZone<T>(zone: NgZone, target: Partial<Observer<T>>): Partial<Observer<T>> {
  const observer: Partial<Observer<T>> = {};
  if (target.next !== undefined) observer.next = (value) => runInZone(zone, () => target.next!(value));
  if (target.error !== undefined) observer.error = (error: unknown) => runInZone(zone, () => target.error!(error));
  if (target.complete !== undefined) observer.complete = () => runInZone(zone, () => target.complete!());
  return observer;
}

/**
 * @internal `source` subscribed outside Angular's zone (what the subscription starts, such as a
 * socket or a timer, lives there) with its notifications delivered inside it.
 */
export function acrossZone<T>(zone: NgZone, source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => zone.runOutsideAngular(() => source.subscribe(deliveringInZone(zone, subscriber))));
}
