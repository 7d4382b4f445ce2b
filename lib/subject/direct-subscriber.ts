// The subscriber of a plain `subject.subscribe(observer)`. rxjs's own is a SafeSubscriber that
// wraps a ConsumerObserver that wraps the observer, plus an array (room for 16) for its first
// teardown: three objects and an array per subscription, and two calls per message. This is one
// object and one call, with the same contract.
import { Subscriber, type Observer, type Unsubscribable } from 'rxjs';
import { reportUnhandledError } from './report-unhandled.js';

/** What a `subscribe()` call gave: an observer with some of next/error/complete, or a next function. */
export type Consumer<T> = Partial<Observer<T>> | ((value: T) => void);

/**
 * @internal A subscriber that calls the consumer directly: a throw in a callback, or an error
 * without an error callback, is reported as rxjs reports it; once stopped, later notifications go
 * to rxjs's `onStoppedNotification` (the base class does that). Its teardown is the connection it
 * is on (`connection`), so it needs no teardown array either.
 */
export class DirectSubscriber<T> extends Subscriber<T> {
  /** The connection this subscriber is on; told when it unsubscribes. */
  connection: Unsubscribable | undefined = undefined;

  constructor(consumer: Consumer<T> | null | undefined) {
    super();
    // The consumer lives in rxjs's own `destination` field (only this class's methods read it).
    this.destination = (consumer ?? NO_CONSUMER) as Observer<T>;
  }

  protected override _next(value: T): void {
    const consumer = this.destination as Consumer<T>;
    try {
      if (typeof consumer === 'function') consumer(value);
      else if (consumer.next) consumer.next(value);
    } catch (error) {
      reportUnhandledError(error);
    }
  }

  protected override _error(error: unknown): void {
    const consumer = this.destination as Consumer<T>;
    try {
      if (typeof consumer !== 'function' && consumer.error) consumer.error(error);
      else reportUnhandledError(error);
    } catch (thrown) {
      reportUnhandledError(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    const consumer = this.destination as Consumer<T>;
    try {
      if (typeof consumer !== 'function' && consumer.complete) consumer.complete();
    } catch (error) {
      reportUnhandledError(error);
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe(); // closed first, so the connection sees this one leaving
    const connection = this.connection;
    this.connection = undefined;
    connection?.unsubscribe();
  }
}

const NO_CONSUMER: Partial<Observer<never>> = Object.freeze({});
