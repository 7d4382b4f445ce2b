// Matching a message against what a test expects, without depending on a test runner: the kit's
// core (scripted replies) works under Jest, Vitest, node:test or a plain script. Jest matchers use
// Jest's own `equals` instead, for its diff and asymmetric matchers.
import { bytesOf, isBinary } from './format.js';

/** Anything with an `asymmetricMatch` method: `expect.objectContaining(...)`, `expect.any(...)`… */
export interface AsymmetricMatcher {
  /** Whether `other` matches. */
  asymmetricMatch(other: unknown): boolean;
}

/**
 * What a message is compared with: a value (deep equality; binary compared byte by byte), a
 * predicate, or an asymmetric matcher (also nested inside a value).
 */
export type MessageMatcher<M = unknown> = ((message: M) => boolean) | AsymmetricMatcher | unknown;

/** @internal Whether `value` is an asymmetric matcher. */
export function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === 'function'
  );
}

/** @internal Whether `message` satisfies `matcher` (see {@link MessageMatcher}). */
export function matchMessage(matcher: unknown, message: unknown): boolean {
  if (typeof matcher === 'function' && !isAsymmetricMatcher(matcher)) {
    return Boolean((matcher as (m: unknown) => unknown)(message));
  }
  return deepEqual(matcher, message);
}

/**
 * Structural equality: primitives by `Object.is`, binary by bytes (a `Buffer` equals a
 * `Uint8Array` with the same bytes), arrays and plain objects recursively (own enumerable keys,
 * `undefined`-valued keys ignored, as JSON would), asymmetric matchers in `expected` applied.
 *
 * @internal
 */
export function deepEqual(expected: unknown, actual: unknown): boolean {
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual);
  if (Object.is(expected, actual)) return true;
  if (isBinary(expected) || isBinary(actual)) {
    if (!isBinary(expected) || !isBinary(actual)) return false;
    const a = bytesOf(expected);
    const b = bytesOf(actual);
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (expected === null || actual === null || typeof expected !== 'object' || typeof actual !== 'object') {
    return false;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) return false;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length === actual.length && expected.every((v, i) => deepEqual(v, actual[i]));
  }
  if (expected instanceof Date || actual instanceof Date) {
    return expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime();
  }
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
  for (const key of keys) {
    if (!deepEqual(e[key], a[key])) return false;
  }
  return true;
}
