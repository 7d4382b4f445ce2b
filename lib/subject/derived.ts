// Streams derived from a subject (its multiplex() method; rxws's multiplex(), channel() and
// request()) carry the subject, so operators such as reconnect() can reach it.

/**
 * The property by which a stream rxws derives from a subject (`subject.multiplex()`, and the
 * `multiplex()`, `channel()` and `request()` functions) refers to that subject, so operators
 * such as `reconnect()` can reach it. `Symbol.for('rxws.subject')`. Read it with {@link subjectOf}.
 *
 * @example
 * const prices$ = multiplex(ws$, sub, unsub, isPrice);
 * prices$[kSubject] === ws$; // true
 */
export const kSubject: unique symbol = Symbol.for('rxws.subject') as never;

/**
 * The subject a stream derived by rxws (`multiplex()`, `channel()`, `request()`) belongs to, if any.
 *
 * @example
 * subjectOf(ws$.multiplex(sub, unsub, isPrice)) === ws$; // true
 */
export function subjectOf(stream: unknown): unknown {
  if (stream === null || (typeof stream !== 'object' && typeof stream !== 'function')) return undefined;
  return (stream as { [kSubject]?: unknown })[kSubject];
}

/** @internal Marks `stream` as derived from `subject` (a non-enumerable {@link kSubject}). */
export function markSubject<S extends object>(stream: S, subject: unknown): S {
  Object.defineProperty(stream, kSubject, { value: subject });
  return stream;
}

/**
 * `T`, not inferred from where it appears (TypeScript's `NoInfer`): in `multiplex(subject,
 * subMsg, …)` the message types come from the subject alone, so `() => ({ type: 'sub' })` is
 * checked against the subject's `In` rather than widening it.
 *
 * @example
 * declare function send<In>(subject: WebSocketSubject<In>, message: FromSubject<In>): void;
 */
export type FromSubject<T> = NoInfer<T>;
