// rxws/testing/jest: Jest matchers for test servers and connections. Importing this module calls
// `expect.extend` on the global `expect` (present in every Jest test file unless `injectGlobals`
// is off; then call `expect.extend(matchers)` yourself, which is also how Vitest uses them).
import type { MatcherContext, MatcherUtils } from 'expect';
import { TestConnection } from './connection.js';
import { binaryAsHex, formatMessage, formatMessageList } from './format.js';
import { TestServer } from './server.js';

/** Options of `toReceiveMessage`. */
export interface ToReceiveMessageOptions {
  /** How long to wait, in real milliseconds (fake timers do not affect it). Default: the server's `timeout`. */
  timeout?: number;
}

/** Options of `toHaveReceivedMessages`. */
export interface ToHaveReceivedMessagesOptions {
  /** Require the messages in this order (as a subsequence of what was received). Default `false`. */
  ordered?: boolean;
}

/** What a matcher returns to `expect` (Jest's and Vitest's shape). */
export interface MatcherResult {
  /** Whether the expectation held. */
  pass: boolean;
  /** The failure message (or, under `.not`, the message for a pass). */
  message: () => string;
}

/**
 * What the matchers use of the `this` that `expect` calls them with: Jest's `MatcherContext`
 * (or Vitest's) has all of it, so `expect.extend(matchers)` works with either.
 */
export type MatchersContext = Pick<MatcherContext, 'isNot' | 'promise' | 'equals'> & {
  /** Jest's helpers for hints and diffs. */
  utils: MatcherUtils['utils'];
};

function target(received: unknown, matcher: string): TestServer | TestConnection {
  if (received instanceof TestServer || received instanceof TestConnection) return received;
  throw new TypeError(`expect(received).${matcher}(): received must be a TestServer or a TestConnection, got ${formatMessage(received)}.`);
}

function nameOf(t: TestServer | TestConnection): string {
  return t instanceof TestServer ? `server ${t.url}` : t.label;
}

/**
 * `await expect(serverOrConnection).toReceiveMessage(expected, { timeout })`: the next unread
 * message equals `expected` (Jest equality: asymmetric matchers work). Fails if none arrives in
 * time, listing what did. With `.not`: passes if the next message differs or none arrives.
 */
async function toReceiveMessage(
  this: MatchersContext,
  received: unknown,
  expected: unknown,
  options: ToReceiveMessageOptions = {},
): Promise<MatcherResult> {
  const t = target(received, 'toReceiveMessage');
  const hint = this.utils.matcherHint('toReceiveMessage', nameOf(t), 'expected', { isNot: this.isNot, promise: this.promise });
  let message: unknown;
  try {
    message = await t.nextMessageExpecting(formatMessage(expected), options);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { pass: false, message: () => `${hint}\n\n${text}` };
  }
  const pass = this.equals(message, expected);
  return {
    pass,
    message: () =>
      pass
        ? `${hint}\n\nExpected the next message not to equal: ${this.utils.printExpected(binaryAsHex(expected))}\nIt was: ${formatMessage(message)}`
        : `${hint}\n\n${this.utils.printDiffOrStringify(binaryAsHex(expected), binaryAsHex(message), 'Expected', 'Received', true)}`,
  };
}

/**
 * `expect(serverOrConnection).toHaveReceivedMessages([...])`: every expected message is among the
 * messages received so far (read or not), each matched by a different one, so duplicates count;
 * with `{ ordered: true }` they must also come in this order. Checks at once, does not wait.
 */
function toHaveReceivedMessages(
  this: MatchersContext,
  received: unknown,
  expected: readonly unknown[],
  options: ToHaveReceivedMessagesOptions = {},
): MatcherResult {
  const t = target(received, 'toHaveReceivedMessages');
  if (!Array.isArray(expected)) throw new TypeError('toHaveReceivedMessages() expects an array of messages.');
  const hint = this.utils.matcherHint('toHaveReceivedMessages', nameOf(t), 'expected', { isNot: this.isNot });
  const messages = t.messages;
  const used = new Set<number>();
  const missing: unknown[] = [];
  let from = 0;
  for (const exp of expected) {
    let found = -1;
    for (let i = options.ordered ? from : 0; i < messages.length; i++) {
      if (!used.has(i) && this.equals(messages[i], exp)) {
        found = i;
        break;
      }
    }
    if (found === -1) missing.push(exp);
    else {
      used.add(found);
      from = found + 1;
    }
  }
  const pass = missing.length === 0;
  return {
    pass,
    message: () =>
      pass
        ? `${hint}\n\nExpected not to have received${options.ordered ? ' in order' : ''}:\n${formatMessageList(expected)}\nReceived:\n${formatMessageList(messages)}`
        : `${hint}\n\nMissing${options.ordered ? ' (in order)' : ''}:\n${formatMessageList(missing)}\n\n${this.utils.printDiffOrStringify(binaryAsHex(expected), binaryAsHex(messages), 'Expected', 'Received', true)}`,
  };
}

/** The matchers, for `expect.extend(matchers)` where the global `expect` is not used. */
export const matchers = {
  /** See {@link TestServerMatchers.toReceiveMessage}. */
  toReceiveMessage,
  /** See {@link TestServerMatchers.toHaveReceivedMessages}. */
  toHaveReceivedMessages,
};

/** The matchers' types, merged into Jest's `expect` (both `@types/jest` and `@jest/globals`). */
export interface TestServerMatchers<R> {
  /** The next message of the server or connection equals `expected` (waits up to `timeout`). */
  toReceiveMessage(expected: unknown, options?: ToReceiveMessageOptions): Promise<R>;
  /** These messages have been received (any order, duplicates counted, unless `ordered`). */
  toHaveReceivedMessages(expected: readonly unknown[], options?: ToHaveReceivedMessagesOptions): R;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R, T = {}> extends TestServerMatchers<R> {}
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends TestServerMatchers<R> {}
}

const globalExpect = (globalThis as { expect?: { extend?: (m: object) => void } }).expect;
if (typeof globalExpect?.extend === 'function') globalExpect.extend(matchers);
