// The zone boundary of rxws/angular: rxws's machinery (socket events, reconnect backoff, connect
// timeouts, heartbeats) runs outside Angular's zone, so no timer or socket frame keeps the app
// unstable or triggers change detection; the app's callbacks run inside it.
import { NgZone } from '@angular/core';
import { Observable, type Observer } from 'rxjs';

/**
 * Runs `fn` inside `zone` unless it already runs in Angular's zone (a nested delivery adds no
 * change detection). With no zone.js loaded (a zoneless app) `zone` is a `NoopNgZone`: a plain call.
 */
export function runInZone<T>(zone: NgZone, fn: () => T): T {
  return NgZone.isInAngularZone() ? fn() : zone.run(fn);
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
