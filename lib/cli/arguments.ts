// Reading the command line: node:util's parseArgs, and checks that say what was wrong.
import { UsageError } from './usage.js';

/** `read()` (a parseArgs call), its errors (an unknown or malformed option) made UsageErrors naming the command. */
export function parse<T>(command: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(`rxws ${command}: ${error instanceof Error ? error.message.replace(/\. To specify.*$/s, '') : String(error)}`);
  }
}

/** A whole number ≥ `min` given to `--name`, or undefined when it was not given. */
export function wholeNumber(command: string, name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`rxws ${command}: --${name} must be a whole number ≥ ${min}, not ${JSON.stringify(value)}.`);
  }
  return number;
}
