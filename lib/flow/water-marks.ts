// The watermarks of send-side flow control, in bytes of a socket's `bufferedAmount`.
import { checkNumber, checkOptions, fail } from '../common/options.js';

/**
 * The options of `backpressure()` (`webSocket()`'s `backpressure` option) and of `gate()` /
 * `sendAll()`: the send gate's watermarks, in bytes of `bufferedAmount`.
 *
 * @example
 * webSocket<Chunk>({ url, backpressure: backpressure({ highWaterMark: 4 << 20, lowWaterMark: 1 << 20 }) });
 */
export interface BackpressureConfig {
  /**
   * Above this many bytes of `bufferedAmount`, `next()` queues instead of writing (and
   * `writableOf(subject)` emits false). Default {@link DEFAULT_HIGH_WATER_MARK} (1 MiB). `Infinity` never gates.
   */
  highWaterMark?: number;
  /**
   * Once `bufferedAmount` has fallen to this many bytes or fewer, writing resumes. At most
   * `highWaterMark`. Default {@link DEFAULT_LOW_WATER_MARK} (256 KiB), or `highWaterMark` if that is lower.
   */
  lowWaterMark?: number;
  /**
   * Where the socket has no write-completion event (browsers, undici, `ws`'s own class): how
   * often `bufferedAmount` is read while gated, in ms. Default {@link DEFAULT_POLL_INTERVAL} (10).
   */
  pollInterval?: number;
}

/** The default high-water mark of the send gate: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** The default low-water mark of the send gate: 256 KiB. */
export const DEFAULT_LOW_WATER_MARK = 256 * 1024;
/** The default poll interval where there is no drain event: 10 ms. */
export const DEFAULT_POLL_INTERVAL = 10;

/** @internal Checked watermarks. */
export interface WaterMarks {
  readonly high: number;
  readonly low: number;
  readonly poll: number;
}

/**
 * @internal The marks of a gate that never closes: `backpressure: false`, or a subject without
 * the option whose gate `writableOf()`, `bufferedAmountOf()`, `gate()`, `sendAll()` or rxws/node's
 * streams made only to watch its sockets (`next()` is never held back by it).
 */
export const NO_GATING: WaterMarks = { high: Infinity, low: Infinity, poll: DEFAULT_POLL_INTERVAL };

/** @internal The default watermarks. */
export const DEFAULT_WATER_MARKS: WaterMarks = { high: DEFAULT_HIGH_WATER_MARK, low: DEFAULT_LOW_WATER_MARK, poll: DEFAULT_POLL_INTERVAL };

/**
 * @internal Checks a {@link BackpressureConfig} (`false`: no gating) and fills in the defaults.
 * @throws TypeError naming the bad option, prefixed with `where`.
 */
export function normalizeWaterMarks(value: unknown, where: string, name = 'backpressure'): WaterMarks {
  if (value === undefined) return DEFAULT_WATER_MARKS;
  if (value === false) return NO_GATING;
  const o = checkOptions(where, value, name, ['highWaterMark', 'lowWaterMark', 'pollInterval']);
  const number = (key: string, fallback: number, infinite: boolean): number => checkNumber(where, o[key], `${name}.${key}`, fallback, 0, false, infinite);
  const high = number('highWaterMark', DEFAULT_HIGH_WATER_MARK, true);
  const low = number('lowWaterMark', Math.min(DEFAULT_LOW_WATER_MARK, high), true);
  if (low > high) fail(where, `'${name}.lowWaterMark' (${low}) must not exceed 'highWaterMark' (${high}).`);
  const poll = number('pollInterval', DEFAULT_POLL_INTERVAL, false);
  if (poll === 0) fail(where, `'${name}.pollInterval' must be more than 0 ms.`);
  return { high, low, poll };
}

