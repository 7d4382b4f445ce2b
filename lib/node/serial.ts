// Runs a Session's store calls one at a time, in order, whether the store answers at once or
// with a promise: a store that answers synchronously (the memory one) costs no turn of the event
// loop; one that answers later (Redis) keeps the order of saves, and of the sends after them.
import type { Awaitable } from './session-store.js';

/** @internal Whether a store's answer is a promise (or another thenable). */
export function isPromiseLike<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** What a skipped call answers. */
const SKIPPED: unique symbol = Symbol('skipped');

/** @internal A queue of store calls: each runs after the previous one has answered. */
export class Serial {
  #tail: Promise<void> | undefined = undefined;
  readonly #failed: (error: unknown) => void;

  /** `failed` is told of every call that throws or rejects (the calls after it still run). */
  constructor(failed: (error: unknown) => void) {
    this.#failed = failed;
  }

  /** Bumped by each failure: the calls queued before it that have not run yet are skipped. */
  #generation = 0;

  /**
   * Runs `call` once the calls before it have answered, then `then` with its answer. After a
   * failure, the calls that were waiting behind the failed one are skipped (neither run nor
   * answered): they assumed it had succeeded.
   */
  run<T>(call: () => Awaitable<T>, then?: (answer: T) => void): void {
    if (this.#tail === undefined) {
      let answer: Awaitable<T>;
      try {
        answer = call();
      } catch (error) {
        this.#generation++;
        this.#failed(error);
        return;
      }
      if (!isPromiseLike(answer)) {
        then?.(answer);
        return;
      }
      this.#chain(Promise.resolve(answer), then);
      return;
    }
    const generation = this.#generation;
    this.#chain(
      this.#tail.then(() => (generation === this.#generation ? call() : SKIPPED)),
      then,
    );
  }

  /**
   * Runs `call` once the calls before it have answered (or were skipped), and answers its answer
   * (or its failure) to the caller, not to `failed`; the calls after it wait for it.
   */
  ask<T>(call: () => Awaitable<T>): Promise<T> {
    const answer = (this.#tail ?? Promise.resolve()).then(call);
    const tail: Promise<void> = answer.then(
      () => {
        if (this.#tail === tail) this.#tail = undefined;
      },
      () => {
        if (this.#tail === tail) this.#tail = undefined;
      },
    );
    this.#tail = tail;
    return answer;
  }

  #chain<T>(answer: Promise<T | typeof SKIPPED>, then: ((answer: T) => void) | undefined): void {
    const tail: Promise<void> = answer.then(
      (value) => {
        if (this.#tail === tail) this.#tail = undefined;
        if (value !== SKIPPED) then?.(value);
      },
      (error: unknown) => {
        if (this.#tail === tail) this.#tail = undefined;
        this.#generation++;
        this.#failed(error);
      },
    );
    this.#tail = tail;
  }
}
