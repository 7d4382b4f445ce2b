// Scripted conversations: rules that answer messages by themselves, so a fixture can speak a
// protocol (subscribe → ack, ping → pong, login → welcome) without a hand-written receive loop.
import { matchMessage } from './match.js';
import { realDelay } from './timers.js';

/** What a rule's actions act on (a `TestConnection`). */
export interface ScriptedPeer {
  /** Sends a reply. */
  send(message: unknown): void;
  /** Closes the connection (a rule's `close()` action). */
  close(code?: number, reason?: string): unknown;
  /** Drops the connection without a close frame (a rule's `drop()` action). */
  drop(): void;
  /** Makes the connection half-open (a rule's `stall()` action). */
  stall(): void;
}

/**
 * A reply computed from the received message: returns the message to send (or a promise of it),
 * or `undefined` for none. Declared as a method so a test may annotate the parameter with its
 * protocol's message type (`(m: Subscribe) => ...`).
 */
export type ReplyFunction<P> = {
  /** Computes the reply to `message`, received on `connection`. */
  bivarianceHack(message: unknown, connection: P): unknown;
}['bivarianceHack'];

/** A reply: a message to send, or a {@link ReplyFunction}. */
export type Reply<P> = unknown;

type Action<P> =
  | { kind: 'reply'; reply: Reply<P> }
  | { kind: 'close'; code: number | undefined; reason: string | undefined }
  | { kind: 'drop' }
  | { kind: 'stall' };

// Set by ReplyRule's static block: its constructor is private (the declarations ship none callable).
let makeRule: <P extends ScriptedPeer>(match: unknown, remove: (rule: ReplyRule<P>) => void) => ReplyRule<P>;

/**
 * One rule of a script, made by `server.on(match)` (or `connection.on(match)`): when a received
 * message matches, its actions run in order. Every method returns the rule, so they chain:
 *
 * @example
 * server.on({ type: 'ping' }).reply({ type: 'pong' });
 * server.on((m) => m.type === 'subscribe').reply((m) => ({ type: 'ack', id: m.id }));
 * server.on('bye').once().close(4000, 'bye');
 */
export class ReplyRule<P extends ScriptedPeer = ScriptedPeer> {
  static {
    makeRule = (match, remove) => new ReplyRule(match, remove);
  }

  /** The matcher: a value (deep equality), a predicate, or an asymmetric matcher. */
  readonly match: unknown;
  readonly #actions: Action<P>[] = [];
  readonly #remove: (rule: ReplyRule<P>) => void;
  #remaining = Infinity;
  #delay: number | undefined;
  #calls = 0;

  /** Made by `on(match)`. */
  private constructor(match: unknown, remove: (rule: ReplyRule<P>) => void) {
    this.match = match;
    this.#remove = remove;
  }

  /** How many messages this rule has answered. */
  get calls(): number {
    return this.#calls;
  }

  /** Whether the rule can still answer (it has calls left). */
  get active(): boolean {
    return this.#remaining > 0;
  }

  /** Sends the result of `reply(message, connection)` (may be async; `undefined` sends nothing). */
  reply(reply: ReplyFunction<P>): this;
  /** Sends `message`. */
  reply(message: unknown): this;
  reply(reply: Reply<P>): this {
    this.#actions.push({ kind: 'reply', reply });
    return this;
  }

  /** Closes the connection with `code` and `reason` (a close frame: the client sees a clean close). */
  close(code?: number, reason?: string): this {
    this.#actions.push({ kind: 'close', code, reason });
    return this;
  }

  /** Destroys the connection's TCP socket (the client sees 1006), see `TestConnection.drop`. */
  drop(): this {
    this.#actions.push({ kind: 'drop' });
    return this;
  }

  /** Stalls the connection (a half-open peer), see `TestConnection.stall`. */
  stall(): this {
    this.#actions.push({ kind: 'stall' });
    return this;
  }

  /** Waits `ms` real milliseconds before the actions (overrides the server's `replyDelay`). */
  delay(ms: number): this {
    this.#delay = ms;
    return this;
  }

  /** Answers at most `n` messages, then stops matching (later rules get the next ones). */
  times(n: number): this {
    this.#remaining = n;
    return this;
  }

  /** Same as `times(1)`. */
  once(): this {
    return this.times(1);
  }

  /** Removes the rule. */
  remove(): void {
    this.#remove(this);
  }

  /** @internal Claims the rule for `message` if it matches and has calls left. */
  claim(message: unknown): boolean {
    if (this.#remaining <= 0) return false;
    let matched: boolean;
    try {
      matched = matchMessage(this.match, message);
    } catch {
      // A predicate written for one message shape (`m.type === …`) throws on another (`null`):
      // that message simply does not match this rule.
      matched = false;
    }
    if (!matched) return false;
    this.#remaining--;
    this.#calls++;
    return true;
  }

  /** @internal Runs the actions for `message` on `peer`. */
  async run(message: unknown, peer: P, defaultDelay: number): Promise<void> {
    const wait = this.#delay ?? defaultDelay;
    if (wait > 0) await realDelay(wait);
    for (const action of this.#actions) {
      switch (action.kind) {
        case 'reply': {
          const value =
            typeof action.reply === 'function'
              ? await (action.reply as (m: unknown, c: P) => unknown)(message, peer)
              : action.reply;
          if (value !== undefined) peer.send(value);
          break;
        }
        case 'close':
          peer.close(action.code, action.reason);
          break;
        case 'drop':
          peer.drop();
          break;
        case 'stall':
          peer.stall();
          break;
      }
    }
  }
}

/** @internal An ordered list of rules; the first active rule that matches a message answers it. */
export class RuleSet<P extends ScriptedPeer = ScriptedPeer> {
  readonly #rules: ReplyRule<P>[] = [];

  /** Adds a rule matching `match` (see {@link ReplyRule}). */
  add(match: unknown): ReplyRule<P> {
    const rule = makeRule<P>(match, (r) => {
      const i = this.#rules.indexOf(r);
      if (i !== -1) this.#rules.splice(i, 1);
    });
    this.#rules.push(rule);
    return rule;
  }

  /** The rule that answers `message`, claimed (its call count taken), or `undefined`. */
  claim(message: unknown): ReplyRule<P> | undefined {
    return this.#rules.find((rule) => rule.claim(message));
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0;
  }

  /** The rules, in order. */
  get rules(): readonly ReplyRule<P>[] {
    return this.#rules.slice();
  }
}
