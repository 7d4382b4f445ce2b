// The watermarks of send-side flow control, in bytes of a socket's `bufferedAmount`.
import { checkOptions, checkRules, fail, type Rule } from '../common/options.js';

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

/** A watermark: bytes, or `Infinity` (never gate, or resume at once). */
const aWaterMark: Rule = [(value) => typeof value === 'number' && value >= 0, 'a number >= 0 or Infinity'];
/** The rule of each option (a poll interval is finite). */
const WATER_MARK_RULES: Readonly<Record<string, Rule>> = {
  highWaterMark: aWaterMark,
  lowWaterMark: aWaterMark,
  pollInterval: [(value) => Number.isFinite(value) && (value as number) >= 0, 'a finite number >= 0'],
};

/**
 * @internal Checks a {@link BackpressureConfig} (`false`: no gating) and fills in the defaults.
 * @throws TypeError naming the bad option, prefixed with `where`.
 */
export function normalizeWaterMarks(value: unknown, where: string, name = 'backpressure'): WaterMarks {
  if (value === undefined) return DEFAULT_WATER_MARKS;
  if (value === false) return NO_GATING;
  const options = checkOptions(where, value, name, Object.keys(WATER_MARK_RULES));
  checkRules(where, options, WATER_MARK_RULES, name);
  const { highWaterMark: high = DEFAULT_HIGH_WATER_MARK, lowWaterMark: low = Math.min(DEFAULT_LOW_WATER_MARK, high), pollInterval: poll = DEFAULT_POLL_INTERVAL } = options as BackpressureConfig;
  if (low > high) fail(where, `'${name}.lowWaterMark' (${low}) must not exceed 'highWaterMark' (${high}).`);
  if (poll === 0) fail(where, `'${name}.pollInterval' must be more than 0 ms.`);
  return { high, low, poll };
}
