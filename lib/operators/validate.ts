// Option checks for lib/operators, in one style: each throws a TypeError that names the function
// (`where`, e.g. 'reconnect()') and the option. (A local helper until the project's shared one
// exists; it has the same shape so the two can merge.)

/** Throws unless `options` is an object whose every key is in `known`. */
export function checkOptionKeys(where: string, options: unknown, known: ReadonlySet<string>): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object.`);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`${where}: unknown option '${key}'.`);
}

/**
 * Returns `value` if it is a number >= `min` (a whole one if `integer`; `Infinity` only if
 * `infinite`); throws a TypeError naming `name` otherwise.
 */
export function checkNumber(where: string, name: string, value: unknown, min: number, integer = false, infinite = false): number {
  if (typeof value === 'number' && value >= min && (value === Infinity ? infinite : !integer || Number.isInteger(value))) return value;
  const kind = infinite ? `${integer ? 'a whole number' : 'a number'} >= ${min} or Infinity` : `a finite number >= ${min}`;
  throw new TypeError(`${where}: '${name}' must be ${kind}, not ${String(value)}.`);
}

/** Throws unless `value` is a function or `undefined`. */
export function checkOptionalFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${where}: '${name}' must be a function.`);
}

/** Returns `value` if it is one of `allowed`; throws a TypeError naming `name` otherwise. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const spelled = `'${allowed.join("', '")}'`.replace(/, ([^,]*)$/, ' or $1');
  throw new TypeError(`${where}: '${name}' must be ${spelled}, not ${JSON.stringify(value)}.`);
}
