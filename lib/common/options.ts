// The one way rxws checks options: each check throws a TypeError that starts with where the
// option was given (`webSocket()`, `reconnect()`, …) and names the option and what it got.
// The bottom layer: imports nothing.

/** A value as an error message shows it: `null`, `"text"`, `an object`, `a function`, `NaN`, … */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return typeof value === 'function' ? 'a function' : String(value);
}

/** Throws `TypeError('<where>: <message>')`. */
export function fail(where: string, message: string): never {
  throw new TypeError(`${where}: ${message}`);
}

/**
 * Checks that `value` is an options object (not null, not an array) whose keys are all in
 * `known`, and returns it. `name` is how the message calls it (`'options'`, `'queue'`, …).
 */
export function checkOptions(where: string, value: unknown, name: string, known: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, `'${name}' must be an object { ${known.join('?, ')}? }, not ${describe(value)}.`);
  for (const key of Object.keys(value)) if (!known.includes(key)) fail(where, `unknown ${name === 'options' ? '' : `${name} `}option '${key}' (known: ${known.join(', ')}).`);
  return value as Record<string, unknown>;
}

/** Checks that `value`, when given, is a function. */
export function checkFunction(where: string, value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') fail(where, `'${name}' must be a function, not ${describe(value)}.`);
}

/**
 * Checks a number option: `value ?? fallback` must be a number ≥ `min` (not NaN); whole unless
 * `whole` is false; `Infinity` only if `infinite`. Returns it.
 */
export function checkNumber(where: string, value: unknown, name: string, fallback: number, min: number, whole: boolean, infinite: boolean): number {
  const v = value === undefined ? fallback : value; // (null is not a number: refused, not defaulted)
  if (typeof v !== 'number' || !(v >= min) || (v === Infinity ? !infinite : whole && !Number.isInteger(v))) {
    fail(where, `'${name}' must be ${whole ? 'a whole number' : infinite ? 'a number' : 'a finite number'} >= ${min}${infinite ? ' or Infinity' : ''}, not ${describe(v)}.`);
  }
  return v;
}

/** Checks that `value`, when given, is one of `allowed`. */
export function checkOneOf(where: string, value: unknown, name: string, allowed: readonly unknown[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    const quoted = allowed.map((a) => `'${String(a)}'`);
    fail(where, `'${name}' must be ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}, not ${describe(value)}.`);
  }
}
