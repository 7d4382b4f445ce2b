// The one way rxws checks options: each check throws a TypeError that starts with where the
// option was given (`webSocket()`, `reconnect()`, …) and names the option and what it got.
// The bottom layer: imports nothing.

/** A value as an error message shows it: `null`, `"text"`, `an object`, `a function`, `NaN`, … */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return value !== null && typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

/** Throws `TypeError('<where>: <message>')`. */
export function fail(where: string, message: string): never {
  throw new TypeError(`${where}: ${message}`);
}

/**
 * How one option is checked: a test its value must pass when given, and what the value must be,
 * as an error message says it (`'a function'` gives "'name' must be a function, not 42.").
 */
export type Rule = readonly [test: (value: unknown) => boolean, expected: string];

/** The rule of an option that must be a function. */
export const aFunction: Rule = [(value) => typeof value === 'function', 'a function'];

/** The rule of an option that must be one of `allowed` (said as "'a', 'b' or 'c'"). */
export function oneOf(allowed: readonly unknown[]): Rule {
  // 'a', 'b', 'c' with its last comma made " or" (the values have no commas)
  return [(value) => allowed.includes(value), `'${allowed.join("', '")}'`.replace(/, (?=[^,]*$)/, ' or ')];
}

/** Whether `value` is an options object: not null, not an array. */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks each key of the options object `options` against its rule in `rules` (a key with no
 * rule is refused; a `null` rule takes any value: the caller checks it). `name`, when the object
 * is itself an option, goes before the keys in the messages (`'queue'` gives "'queue.limit' must
 * be …" and "unknown queue option 'max'").
 *
 * @example
 * checkRules('webSocket()', config, { serializer: aFunction, binaryType: oneOf(['blob', 'arraybuffer']) });
 */
export function checkRules(where: string, options: Record<string, unknown>, rules: Readonly<Record<string, Rule | null>>, name = ''): void {
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(rules, key)) fail(where, `unknown ${name && `${name} `}option '${key}' (known: ${Object.keys(rules).join(', ')}).`);
    const rule = rules[key];
    const value = options[key];
    if (rule && value !== undefined && !rule[0](value)) fail(where, `'${name && `${name}.`}${key}' must be ${rule[1]}, not ${describe(value)}.`);
  }
}

/**
 * Checks that `value` is an options object (not null, not an array) whose keys are all in
 * `known`, and returns it. `name` is how the message calls it (`'options'`, `'queue'`, …).
 */
export function checkOptions(where: string, value: unknown, name: string, known: readonly string[]): Record<string, unknown> {
  if (!isOptionsObject(value)) fail(where, `'${name}' must be an object { ${known.join('?, ')}? }, not ${describe(value)}.`);
  for (const key of Object.keys(value)) if (!known.includes(key)) fail(where, `unknown ${name === 'options' ? '' : `${name} `}option '${key}' (known: ${known.join(', ')}).`);
  return value;
}

/** Checks that `value`, when given, is a function. */
export function checkFunction(where: string, value: unknown, name: string): void {
  checkRules(where, { [name]: value }, { [name]: aFunction });
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
  checkRules(where, { [name]: value }, { [name]: oneOf(allowed) });
}
