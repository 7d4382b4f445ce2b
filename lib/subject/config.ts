import type { CloseEvent } from '../websocket/events.js';
import type { NextObserver } from 'rxjs';
import { platformWebSocket } from '../websocket/platform.js';
import type { BinaryType } from '../websocket/constants.js';
import { checkFunction, checkNumber, checkOneOf, checkOptions, describe, fail as failAt } from '../common/options.js';
import type { NodeWebSocketOptions } from '../websocket/node-options.js';
import { DEFAULT_QUEUE_LIMIT, type OverflowPolicy, type QueueConfig } from './outbound-queue.js';
import { missingFromSocket, type UrlSource, type WebSocketConstructor, type WebSocketFactory, type WebSocketLike, type WebSocketMessage } from '../websocket/socket-like.js';
import { isFeature, type BackpressureOption, type HandshakeOption, type HeartbeatOption, type SessionOption } from './features.js';

/**
 * What to do when the `deserializer` throws: `'emit'` (default) reports `{ event, error }` on
 * `decodeError$` and keeps the connection and its subscribers; `'error'` errors every subscriber
 * with the deserializer's error, as `rxjs/webSocket` does (the connection then closes with 1000,
 * as for any last unsubscribe).
 */
export type DecodeErrorPolicy = 'emit' | 'error';

/**
 * The configuration of {@link webSocket}: every option of `rxjs/webSocket` 7.x, plus rxws's.
 *
 * @typeParam In what `next()` accepts (before the serializer).
 * @typeParam Out what subscribers receive (after the deserializer).
 *
 * @example
 * const ws$ = webSocket<Command, Update>({
 *   url: async () => `wss://api.example.com/live?token=${await getToken()}`,
 *   options: { headers: { 'user-agent': 'my-app' } },          // Node only
 *   queue: { limit: 1000, overflow: 'drop-oldest' },
 *   closeObserver: { next: (e) => console.log('closed', e.code) },
 * });
 */
export interface WebSocketSubjectConfig<In, Out = In> {
  /**
   * The endpoint: a string or `URL`, or a function (sync or async) read again before each
   * connection, e.g. to put a fresh token in the query string. A throw or a rejected promise
   * becomes a connection error ({@link WebSocketCloseError} 1006 with the failure as `cause`).
   * Required unless `socket` is given.
   */
  url?: UrlSource;
  /** The subprotocol(s) to offer, passed to the constructor only when truthy (as in rxjs). */
  protocol?: string | string[];
  /** @deprecated rxjs 7's alias of `deserializer`. */
  resultSelector?: (event: MessageEvent) => Out;
  /**
   * Turns a value given to `next()` into what the socket sends. Default `JSON.stringify`. It runs
   * inside `next()`: a throw is thrown to the caller, and nothing is queued or sent.
   */
  serializer?: (value: In) => WebSocketMessage;
  /**
   * Turns each `MessageEvent` into what subscribers receive. Default `e => JSON.parse(e.data)`.
   * A throw is handled as `onDecodeError` says.
   */
  deserializer?: (event: MessageEvent) => Out;
  /** Called with the `open` event of every connection (before the queue is flushed). */
  openObserver?: NextObserver<Event>;
  /** Called with the `close` event of every connection, whoever closed it. */
  closeObserver?: NextObserver<CloseEvent>;
  /** Called whenever the client starts closing a connection: `complete()`, `error()`, `close()`, `unsubscribe()`, or the last subscriber leaving. */
  closingObserver?: NextObserver<void>;
  /**
   * The WebSocket constructor. Default: rxws's `WebSocket` on Node (built on `ws`), the
   * platform's in browsers. Called as `new WebSocketCtor(url, protocol?, options?)`.
   */
  WebSocketCtor?: WebSocketConstructor;
  /**
   * Makes each connection's socket instead of `new WebSocketCtor(...)`: `(url, protocols) =>
   * socket`, or a promise of one. Handy for tests (you get the instance) and for sockets that need
   * setup. Cannot be combined with `WebSocketCtor` or `options`.
   */
  createWebSocket?: WebSocketFactory;
  /** Node only: options for rxws's `WebSocket` (headers, TLS, agent, handshakeTimeout, ...), its third constructor argument. */
  options?: NodeWebSocketOptions;
  /**
   * Set on each socket right after it is made: `'blob'` or `'arraybuffer'`; or (Node) `'nodebuffer'`,
   * passed to rxws's `WebSocket` as its Node option (also to one a `createWebSocket` factory made,
   * or an adopted `socket`).
   *
   * @example
   * webSocket<Buffer>({ url, binaryType: 'nodebuffer', deserializer: (e) => e.data as Buffer });
   */
  binaryType?: BinaryType;
  /**
   * Server side: an already-open socket to use instead of dialling, e.g.
   * `wrapWebSocket(ws, request)` for a connection a `ws` `WebSocketServer` accepted. Such a
   * subject serves that one connection: once it has closed, a new subscriber gets a `TypeError`.
   */
  socket?: WebSocketLike;
  /** The outbound queue's bound and overflow policy. Default `{ limit: 10000, overflow: 'drop-oldest' }`. */
  queue?: QueueConfig;
  /** See {@link DecodeErrorPolicy}. Default `'emit'`. */
  onDecodeError?: DecodeErrorPolicy;
  /**
   * A send gate, made by `backpressure()`: while the socket's `bufferedAmount` is above its
   * high-water mark, `next()` queues (in the same bounded queue); writing resumes, in order, once
   * it has fallen to the low one. Without it `next()` writes at once, as `rxjs/webSocket` does
   * (`gate()`, `sendAll()`, `writableOf()`, `bufferedAmountOf()` and rxws/node's streams add a
   * gate with the default watermarks when they first use the subject);
   * `false`: never gate, even then.
   *
   * @example
   * backpressure: backpressure({ highWaterMark: 4 << 20, lowWaterMark: 1 << 20 })
   */
  backpressure?: BackpressureOption | false;
  /**
   * The on-open handshake (authentication, hello), made by `handshake(fn)`: runs when each
   * connection opens, before the queued messages are flushed; the connection is ready when the
   * observable `fn` returns completes. See {@link Handshake}.
   *
   * @example
   * handshake: handshake(({ send, messages }) => { send({ auth: token }); return messages.pipe(first((m) => m.type === 'ready')); })
   */
  handshake?: HandshakeOption<In, Out>;
  /**
   * Detects dead and half-open connections by pings (protocol pings on Node, an application-level
   * `ping` elsewhere), made by `heartbeat()`. A miss terminates the socket; subscribers error with
   * `kind: 'heartbeat'`. Off by default.
   *
   * @example
   * heartbeat: heartbeat({ interval: 20_000, timeout: 5_000 })
   */
  heartbeat?: HeartbeatOption<In, Out>;
  /**
   * A resumable session, made by `resumable()` (`rxws/session`): messages are numbered,
   * acknowledged and replayed across reconnections, so nothing is lost or repeated while the
   * session lives (docs/sessions.md). Needs a server that speaks `rxws.session.v1`.
   *
   * @example
   * session: resumable({ replayLimit: { bytes: 1 << 20, messages: 10_000 } })
   */
  session?: SessionOption;
}

/** @internal The checked configuration the subject runs on. */
export interface NormalizedConfig<In, Out> {
  url: UrlSource | undefined;
  protocol: string | string[] | undefined;
  serializer: (value: In) => WebSocketMessage;
  deserializer: (event: MessageEvent) => Out;
  openObserver: NextObserver<Event> | undefined;
  closeObserver: NextObserver<CloseEvent> | undefined;
  closingObserver: NextObserver<void> | undefined;
  /** The factory given as `createWebSocket`, if any. */
  factory: WebSocketFactory | undefined;
  /** Otherwise: the constructor given as `WebSocketCtor` (undefined: the platform's, read when each socket is made), and the Node options for its third argument. */
  Ctor: WebSocketConstructor | undefined;
  options: NodeWebSocketOptions | undefined;
  binaryType: BinaryType | undefined;
  socket: WebSocketLike | undefined;
  queueLimit: number;
  overflow: OverflowPolicy;
  onDecodeError: DecodeErrorPolicy;
  /** The send gate (undefined: none until something wants one; false: never gate). */
  backpressure: BackpressureOption | false | undefined;
  /** The user's on-open handshake (its types erased, so they do not constrain the subject's variance). */
  handshake: HandshakeOption<unknown, unknown> | undefined;
  /** The heartbeat, when on. */
  heartbeat: HeartbeatOption<unknown, unknown> | undefined;
  /** The resumable session, when on. */
  session: SessionOption | undefined;
}

/** A normalized config: own properties for what the user set, the defaults on the prototype. */
class SubjectSettings {}
const SETTINGS_DEFAULTS: NormalizedConfig<unknown, unknown> = {
  url: undefined,
  protocol: undefined,
  serializer: defaultSerializer,
  deserializer: defaultDeserializer,
  openObserver: undefined,
  closeObserver: undefined,
  closingObserver: undefined,
  factory: undefined,
  Ctor: undefined,
  options: undefined,
  binaryType: undefined,
  socket: undefined,
  queueLimit: DEFAULT_QUEUE_LIMIT,
  overflow: 'drop-oldest',
  onDecodeError: 'emit',
  backpressure: undefined,
  handshake: undefined,
  heartbeat: undefined,
  session: undefined,
};
Object.assign(SubjectSettings.prototype, SETTINGS_DEFAULTS);

/** The option names of `webSocket()`, and the field each fills when it is not its own name. */
const RENAMED: Readonly<Record<string, keyof NormalizedConfig<unknown, unknown>>> = { WebSocketCtor: 'Ctor', createWebSocket: 'factory', resultSelector: 'deserializer' };
const KNOWN_KEYS = ['url', 'protocol', 'resultSelector', 'serializer', 'deserializer', 'openObserver', 'closeObserver', 'closingObserver', 'WebSocketCtor', 'createWebSocket', 'options', 'binaryType', 'socket', 'queue', 'onDecodeError', 'backpressure', 'handshake', 'heartbeat', 'session'];

function defaultSerializer(value: unknown): WebSocketMessage {
  return JSON.stringify(value);
}

function defaultDeserializer(event: MessageEvent): never {
  return JSON.parse(event.data as string) as never;
}

const WHERE = 'webSocket()';

function fail(message: string): never {
  failAt(WHERE, message);
}

function checkObserver(value: unknown, name: string): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || typeof (value as { next?: unknown }).next !== 'function') {
    fail(`'${name}' must be an observer with a next() method, not ${describe(value)}.`);
  }
}

/** A capability option (`heartbeat`, `backpressure`) must be made by its function (plain objects were the earlier spelling). */
function checkFeature(value: unknown, name: 'heartbeat' | 'backpressure' | 'handshake', allowFalse: boolean): void {
  if (value === undefined || (allowFalse && value === false) || isFeature(value, name)) return;
  const earlier = name === 'handshake' ? 'A plain function was the earlier spelling' : allowFalse ? 'A plain object was the earlier spelling; false still turns gating off' : 'A plain object or true was the earlier spelling';
  const made = name === 'handshake' ? 'handshake(fn)' : `${name}(options)`;
  fail(`'${name}' takes ${made} (import { ${name} } from 'rxws'), e.g. ${name}: ${name === 'handshake' ? 'handshake(({ send, messages }) => …)' : `${name}({ … })`}, not ${describe(value)}. (${earlier}: see docs/migration.md.)`);
}

/**
 * @internal Checks the argument of `webSocket()` and fills in the defaults.
 * @throws TypeError naming the option that is wrong.
 */
export function normalizeConfig<In, Out>(source: unknown): NormalizedConfig<In, Out> {
  if (typeof source === 'string' || source instanceof URL) source = { url: source };
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    fail(`expected a URL or a config object, not ${describe(source)}.`);
  }
  const config = source as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(key)) fail(`unknown option '${key}'.`);
  }
  const { url, protocol, socket, WebSocketCtor, createWebSocket, options, binaryType, queue, onDecodeError } = config;

  if (socket !== undefined) {
    const missing = missingFromSocket(socket);
    if (missing !== undefined) fail(`'socket' must be a WebSocket (e.g. wrapWebSocket(ws, request)), but ${missing}.`);
    for (const key of ['url', 'protocol', 'WebSocketCtor', 'createWebSocket', 'options'] as const) {
      if (config[key] !== undefined) fail(`'socket' cannot be combined with '${key}': the socket is already connected.`);
    }
  } else if (url === undefined) {
    fail(`'url' is required (or 'socket', for a connection a server accepted).`);
  } else if (typeof url !== 'string' && !(url instanceof URL) && typeof url !== 'function') {
    fail(`'url' must be a string, a URL or a function returning one, not ${describe(url)}.`);
  }
  if (protocol !== undefined && typeof protocol !== 'string' && !(Array.isArray(protocol) && protocol.every((p) => typeof p === 'string'))) {
    fail(`'protocol' must be a string or an array of strings, not ${describe(protocol)}.`);
  }
  for (const name of ['serializer', 'deserializer', 'resultSelector', 'WebSocketCtor', 'createWebSocket']) checkFunction(WHERE, config[name], name);
  checkObserver(config.openObserver, 'openObserver');
  checkObserver(config.closeObserver, 'closeObserver');
  checkObserver(config.closingObserver, 'closingObserver');
  if (WebSocketCtor !== undefined && createWebSocket !== undefined) fail(`give 'WebSocketCtor' or 'createWebSocket', not both.`);
  if (options !== undefined && createWebSocket !== undefined) fail(`'options' is passed to the WebSocket constructor; with 'createWebSocket', apply them in the factory.`);
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(`'options' must be an object, not ${describe(options)}.`);
  checkOneOf(WHERE, binaryType, 'binaryType', ['blob', 'arraybuffer', 'nodebuffer']);
  checkOneOf(WHERE, onDecodeError, 'onDecodeError', ['emit', 'error']);
  checkFeature(config.heartbeat, 'heartbeat', false);
  checkFeature(config.backpressure, 'backpressure', true);
  checkFeature(config.handshake, 'handshake', false);
  const session = config.session as SessionOption | undefined;
  if (session !== undefined && !isFeature(session, 'session')) fail(`'session' takes resumable() from 'rxws/session', not ${describe(session)}.`);
  let queueLimit = DEFAULT_QUEUE_LIMIT;
  let overflow: OverflowPolicy = 'drop-oldest';
  if (queue !== undefined) {
    const q = checkOptions(WHERE, queue, 'queue', ['limit', 'overflow']);
    queueLimit = checkNumber(WHERE, q['limit'], 'queue.limit', DEFAULT_QUEUE_LIMIT, 0, true, true);
    checkOneOf(WHERE, q['overflow'], 'queue.overflow', ['drop-oldest', 'drop-newest', 'error']);
    overflow = (q['overflow'] as OverflowPolicy | undefined) ?? overflow;
  }


  // Defaults live on the prototype; the object holds only what this subject sets (a subject
  // with a URL and a few options costs a few fields, not one per option).
  const normalized = new SubjectSettings() as Record<string, unknown>;
  for (const key of KNOWN_KEYS) {
    const value = config[key];
    // (`deserializer` wins over rxjs's alias `resultSelector`, whichever comes first.)
    if (value !== undefined && key !== 'queue' && !(key === 'resultSelector' && config['deserializer'] !== undefined)) normalized[RENAMED[key] ?? key] = value;
  }
  if (queueLimit !== DEFAULT_QUEUE_LIMIT) normalized['queueLimit'] = queueLimit;
  if (overflow !== 'drop-oldest') normalized['overflow'] = overflow;
  session?.configure(normalized as unknown as NormalizedConfig<unknown, unknown>);
  return normalized as unknown as NormalizedConfig<In, Out>;
}

/** Whether `value` can be called with `new` (checked without calling it: `newTarget` must be a constructor). */
function isConstructor(value: unknown): boolean {
  try {
    Reflect.construct(Object, [], value as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

/** @internal Makes the socket of one connection, as the config says (rxjs's call shapes for the constructor). */
export function makeSocket(config: NormalizedConfig<unknown, unknown>, url: string): unknown {
  const { factory, protocol, options } = config;
  if (factory !== undefined) return factory(url, protocol);
  const Ctor = config.Ctor ?? (platformWebSocket() as WebSocketConstructor | undefined);
  if (Ctor === undefined) {
    throw new TypeError(
      "webSocket(): there is no WebSocket here (globalThis.WebSocket is undefined): pass 'WebSocketCtor' or 'createWebSocket', or install a WebSocket before connecting.",
    );
  }
  if (config.Ctor !== undefined && !isConstructor(Ctor)) {
    // An arrow function or a method cannot be called with `new`: say which option, not "Ctor is not a constructor".
    throw new TypeError("webSocket(): 'WebSocketCtor' is not a constructor (an arrow function?): pass a class, or give a function that returns a socket as 'createWebSocket'.");
  }
  // Buffers are a Node option of rxws's WebSocket (its binaryType attribute takes the standard
  // values only); other constructors ignore a third argument they do not know.
  const nodeOptions = config.binaryType === 'nodebuffer' ? { ...options, binaryType: 'nodebuffer' as const } : options;
  if (protocol) return new Ctor(url, protocol, nodeOptions);
  return nodeOptions !== undefined ? new Ctor(url, undefined, nodeOptions) : new Ctor(url);
}
