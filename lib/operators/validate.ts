// Option checks for lib/operators, in one style: each throws a TypeError that names the function
// (`where`, e.g. 'reconnect()') and the option. (A local helper until the project's shared one
// exists; it has the same shape so the two can merge.)

/** Throws unless `options` is an object whose every key is in `known`. */
export function checkOptionKeys(where: string, options: unknown, known: ReadonlySet<string>): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object.`);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`${where}: unknown option '${key}'.`);
}

/** How {@link checkNumber} bounds a number. */
export interface NumberRule {
  /** The smallest value allowed. */
  readonly min: number;
  /** Whole numbers only (Infinity allowed where `infinite` is). */
  readonly integer?: boolean;
  /** Whether `Infinity` is allowed. */
  readonly infinite?: boolean;
}

/** Returns `value` if it is a number that `rule` allows; throws a TypeError naming `name` otherwise. */
export function checkNumber(where: string, name: string, value: unknown, rule: NumberRule): number {
  const valid =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= rule.min &&
    (value === Infinity ? rule.infinite === true : rule.integer !== true || Number.isInteger(value));
  if (!valid) {
    const kind = rule.infinite === true ? `${rule.integer === true ? 'a whole number' : 'a number'} >= ${rule.min} or Infinity` : `a finite number >= ${rule.min}`;
    throw new TypeError(`${where}: '${name}' must be ${kind}, not ${String(value)}.`);
  }
  return value as number;
}

/** Throws unless `value` is a function or `undefined`. */
export function checkOptionalFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${where}: '${name}' must be a function.`);
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    const spelled = list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]!}` : list.join('');
    throw new TypeError(`${where}: '${name}' must be ${spelled}, not ${JSON.stringify(value)}.`);
  }
  return value as T;
}
