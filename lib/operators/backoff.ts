// The reconnect delay: exponential backoff with jitter, as a pure function of the attempt number.
import { checkNumber, checkOneOf } from '../common/options.js';

/**
 * How the delay is randomised:
 *
 * - `'full'` (default): a uniform delay in `[0, cap]`, where `cap = min(maxDelay, initialDelay *
 *   factor^(attempt-1))` ("full jitter": clients that dropped together spread over the whole
 *   window and never retry in lock-step);
 * - `'equal'`: `cap/2 + uniform[0, cap/2]` (never less than half the cap);
 * - `'none'`: exactly `cap` (deterministic; for tests and for servers that ask for it).
 */
export type Jitter = 'full' | 'equal' | 'none';

/** The backoff options of {@link reconnect} (each with a default, see {@link DEFAULT_BACKOFF}). */
export interface BackoffOptions {
  /** The delay cap of the first attempt, in ms. Default 1000. */
  initialDelay?: number;
  /** The largest delay, in ms. Default 30000. */
  maxDelay?: number;
  /** How much the cap grows per attempt. Default 2. */
  factor?: number;
  /** See {@link Jitter}. Default `'full'`. */
  jitter?: Jitter;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = Object.freeze({
  initialDelay: 1000,
  maxDelay: 30_000,
  factor: 2,
  jitter: 'full',
});

/**
 * The delay before reconnect attempt `attempt` (1 for the first reconnect), in whole ms:
 * `cap = min(maxDelay, initialDelay * factor^(attempt-1))`, randomised as `jitter` says with
 * `random()` (a number in `[0, 1)`, `Math.random` by default; it is called once per attempt, so
 * every attempt and every client draws its own delay).
 *
 * @example
 * backoffDelay(1, { jitter: 'none' });                     // 1000
 * backoffDelay(3, { jitter: 'none' });                     // 4000
 * backoffDelay(10, { jitter: 'none' });                    // 30000 (capped)
 * backoffDelay(3, { jitter: 'full' }, () => 0.5);          // 2000
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelay, maxDelay, factor, jitter } = resolveBackoff(options);
  const cap = Math.min(maxDelay, initialDelay * Math.pow(factor, Math.max(0, attempt - 1)));
  const bounded = Number.isFinite(cap) ? cap : maxDelay;
  if (jitter === 'none') return Math.round(bounded);
  const drawn = random();
  const unit = drawn >= 0 && drawn < 1 ? drawn : drawn >= 1 ? 1 : 0; // a random() out of [0, 1) is clamped
  return Math.round(jitter === 'equal' ? bounded / 2 + unit * (bounded / 2) : unit * bounded);
}

/** Fills in and checks the backoff options. @throws TypeError naming a bad option. */
export function resolveBackoff(options: BackoffOptions): Required<BackoffOptions> {
  const finite = (name: 'initialDelay' | 'maxDelay' | 'factor', min: number): number =>
    checkNumber(WHERE, options[name], name, DEFAULT_BACKOFF[name], min, false, false);
  const initialDelay = finite('initialDelay', 0);
  const maxDelay = finite('maxDelay', 0);
  const factor = finite('factor', 1);
  checkOneOf(WHERE, options.jitter, 'jitter', JITTERS);
  const jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
  return { initialDelay, maxDelay: Math.max(maxDelay, 0), factor, jitter };
}

const WHERE = 'reconnect()';
const JITTERS: readonly Jitter[] = ['full', 'equal', 'none'];
