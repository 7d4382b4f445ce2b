// The options both ends of a session share (the client's resumable(), the server's
// acceptSessions()): the replay buffer's bounds and the acknowledgement timing.
import { checkNumber, checkOptions } from '../common/options.js';

/** The bounds of a replay buffer: what was sent and not yet acknowledged. */
export interface ReplayLimit {
  /** The most payload bytes it holds (UTF-8 for text). Default 1 MiB. */
  readonly bytes?: number;
  /** The most messages it holds. Default 10,000. */
  readonly messages?: number;
}

/**
 * The options of a session's end: how much it keeps for replay and how soon it acknowledges.
 *
 * @example
 * resumable({ replayLimit: { bytes: 4 << 20, messages: 50_000 }, ackInterval: 20 });
 */
export interface SessionOptions {
  /** The bounds of the replay buffer. When it is full, new messages wait (in the outbound queue) until acknowledgements make room. */
  readonly replayLimit?: ReplayLimit;
  /** An idle receiver acknowledges at the latest this many ms after the first message it has not acknowledged yet. Default 50. */
  readonly ackInterval?: number;
  /** ...or at once when this many are unacknowledged. Default 100. */
  readonly ackEvery?: number;
}

/**
 * The options of {@link resumable}: {@link SessionOptions}, and how long the client waits for the
 * server's answer to its hello.
 *
 * @example
 * resumable({ ackInterval: 20, welcomeTimeout: 5_000 });
 */
export interface ResumableOptions extends SessionOptions {
  /**
   * How long the client waits, after the connection opened, for the server's welcome; then the
   * subject errors with a `SessionError` (a server that selected the subprotocol without
   * speaking it). Default 10,000 ms.
   */
  readonly welcomeTimeout?: number;
}

/**
 * The defaults of {@link SessionOptions}: 1 MiB and 10,000 messages of replay buffer; acknowledge
 * within 50 ms, or every 100 messages (so an idle peer acknowledges within 100 ms).
 *
 * @example
 * resumable({ replayLimit: { bytes: SESSION_DEFAULTS.replayBytes * 4 } });
 */
export const SESSION_DEFAULTS: {
  /** `replayLimit.bytes`: 1 MiB. */
  readonly replayBytes: number;
  /** `replayLimit.messages`: 10,000. */
  readonly replayMessages: number;
  /** `ackInterval`: 50 ms. */
  readonly ackInterval: number;
  /** `ackEvery`: 100 messages. */
  readonly ackEvery: number;
  /** `welcomeTimeout` (the client's): 10,000 ms. */
  readonly welcomeTimeout: number;
} = Object.freeze({ replayBytes: 1 << 20, replayMessages: 10_000, ackInterval: 50, ackEvery: 100, welcomeTimeout: 10_000 });

/** @internal {@link SessionOptions}, checked, with the defaults filled in. */
export interface SessionSettings {
  readonly replayBytes: number;
  readonly replayMessages: number;
  readonly ackInterval: number;
  readonly ackEvery: number;
  /** The client's only. */
  readonly welcomeTimeout: number;
}

/**
 * @internal Checks `options` (and only the keys of {@link SessionOptions} plus `extra`).
 * @throws TypeError naming the option that is wrong.
 */
export function checkSessionOptions(where: string, options: unknown, extra: readonly string[] = []): SessionSettings {
  const o = checkOptions(where, options ?? {}, 'options', ['replayLimit', 'ackInterval', 'ackEvery', ...extra]);
  const limit = o['replayLimit'] === undefined ? {} : checkOptions(where, o['replayLimit'], 'replayLimit', ['bytes', 'messages']);
  return {
    replayBytes: checkNumber(where, limit['bytes'], 'replayLimit.bytes', SESSION_DEFAULTS.replayBytes, 1, true, true),
    replayMessages: checkNumber(where, limit['messages'], 'replayLimit.messages', SESSION_DEFAULTS.replayMessages, 1, true, true),
    ackInterval: checkNumber(where, o['ackInterval'], 'ackInterval', SESSION_DEFAULTS.ackInterval, 0, false, false),
    ackEvery: checkNumber(where, o['ackEvery'], 'ackEvery', SESSION_DEFAULTS.ackEvery, 1, true, false),
    welcomeTimeout: extra.includes('welcomeTimeout') ? checkNumber(where, o['welcomeTimeout'], 'welcomeTimeout', SESSION_DEFAULTS.welcomeTimeout, 0, false, true) : SESSION_DEFAULTS.welcomeTimeout,
  };
}
