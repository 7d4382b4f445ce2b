// `rxws connect <url>`: a WebSocket client on the command line, interactive on a terminal and a
// filter in a pipeline (docs/cli.md).
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Observable } from 'rxjs';
import { webSocket, WebSocketCloseError, type WebSocketSubject } from '../subject/index.js';
import { heartbeat } from '../subject/heartbeat.js';
import type { ConnectionStatus } from '../subject/connection-state.js';
import { reconnect } from '../operators/index.js';
import { getNodeControls, type NodeControls } from '../websocket/controls.js';
import type { NodeWebSocketOptions } from '../websocket/node-options.js';
import { parseArgs } from 'node:util';
import { parse, wholeNumber } from './arguments.js';
import { formatMessage, type BinaryFormat } from './print.js';
import { linesOf } from './lines.js';
import { CONNECT_HELP, UsageError } from './usage.js';

/** The streams a command works with (the process's, or a test's). */
export interface CommandIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable;
}

interface ConnectSettings {
  readonly url: string;
  readonly protocols: string[];
  readonly options: NodeWebSocketOptions;
  readonly reconnect: boolean;
  readonly maxAttempts: number | undefined;
  readonly initialDelay: number | undefined;
  readonly heartbeat: number | undefined;
  readonly printRtt: boolean;
  readonly json: boolean;
  readonly binary: BinaryFormat;
  readonly closeAfter: number | undefined;
  readonly wait: number;
}

/** What `connect` reads from its arguments; a UsageError for anything wrong. */
function settingsOf(args: string[]): ConnectSettings | 'help' {
  const { values, positionals } = parse('connect', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        header: { type: 'string', short: 'H', multiple: true },
        protocol: { type: 'string', short: 'p', multiple: true },
        reconnect: { type: 'boolean' },
        'max-attempts': { type: 'string' },
        'initial-delay': { type: 'string' },
        heartbeat: { type: 'string' },
        'print-rtt': { type: 'boolean' },
        json: { type: 'boolean' },
        binary: { type: 'string' },
        'close-after': { type: 'string' },
        wait: { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        insecure: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`rxws connect: expects one URL, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (rxws connect --help).`);
  const url = positionals[0]!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`rxws connect: ${JSON.stringify(url)} is not a URL (e.g. ws://localhost:8080/path).`);
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) throw new UsageError(`rxws connect: the URL must be ws:// or wss://, not ${parsed.protocol}//.`);
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    const name = colon > 0 ? header.slice(0, colon).trim() : '';
    if (!name) throw new UsageError(`rxws connect: a header is 'name: value', not ${JSON.stringify(header)}.`);
    headers[name.toLowerCase()] = header.slice(colon + 1).trim();
  }
  const binary = values.binary ?? 'hex';
  if (binary !== 'hex' && binary !== 'base64') throw new UsageError(`rxws connect: --binary is hex or base64, not ${JSON.stringify(binary)}.`);
  const heartbeatMs = wholeNumber('connect', 'heartbeat', values.heartbeat, 1);
  if (values['print-rtt'] && heartbeatMs === undefined) throw new UsageError('rxws connect: --print-rtt needs --heartbeat <ms>.');
  const maxAttempts = wholeNumber('connect', 'max-attempts', values['max-attempts']);
  const initialDelay = wholeNumber('connect', 'initial-delay', values['initial-delay']);
  if ((maxAttempts !== undefined || initialDelay !== undefined) && !values.reconnect) throw new UsageError('rxws connect: --max-attempts and --initial-delay go with --reconnect.');
  const read = (name: 'ca' | 'cert' | 'key'): Buffer | undefined => {
    const file = values[name];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new UsageError(`rxws connect: cannot read --${name} ${file}: ${(error as Error).message}`);
    }
  };
  const options: Record<string, unknown> = {};
  if (Object.keys(headers).length > 0) options['headers'] = headers;
  for (const name of ['ca', 'cert', 'key'] as const) {
    const content = read(name);
    if (content) options[name] = content;
  }
  if (values.insecure) options['rejectUnauthorized'] = false;
  return {
    url,
    protocols: values.protocol ?? [],
    options: options as NodeWebSocketOptions,
    reconnect: values.reconnect ?? false,
    maxAttempts,
    initialDelay,
    heartbeat: heartbeatMs,
    printRtt: values['print-rtt'] ?? false,
    json: values.json ?? false,
    binary,
    closeAfter: wholeNumber('connect', 'close-after', values['close-after']),
    wait: wholeNumber('connect', 'wait', values.wait) ?? 0,
  };
}

/** A close or other end, as a person reads it: `1006`, `1000 "bye"`, `ECONNREFUSED`… */
function describeEnd(cause: unknown): string {
  if (cause instanceof WebSocketCloseError) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.code}${cause.reason ? ` ${JSON.stringify(cause.reason)}` : ''}${inner}`;
  }
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Runs `rxws connect` with `args`; resolves with the exit code (0 a clean close, 1 an error,
 * 2 bad usage).
 *
 * @example
 * process.exitCode = await connect(['ws://localhost:8080', '--reconnect'], process);
 */
export async function connect(args: string[], io: CommandIo): Promise<number> {
  const settings = settingsOf(args);
  if (settings === 'help') {
    io.stdout.write(`${CONNECT_HELP}\n`);
    return 0;
  }
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const interactive = io.stdin.isTTY === true;
  const pretty = io.stdout.isTTY === true;

  const subject: WebSocketSubject<string, string | Uint8Array> = webSocket<string, string | Uint8Array>({
    url: settings.url,
    ...(settings.protocols.length > 0 ? { protocol: settings.protocols } : {}),
    ...(Object.keys(settings.options).length > 0 ? { options: settings.options } : {}),
    binaryType: 'arraybuffer',
    serializer: (line) => line,
    deserializer: (event) => (typeof event.data === 'string' ? event.data : new Uint8Array(event.data as ArrayBuffer)),
    ...(settings.heartbeat !== undefined ? { heartbeat: heartbeat({ interval: settings.heartbeat, timeout: settings.heartbeat }) } : {}),
  });

  // The open socket's Node controls: pings, and pausing the socket while stdout is full.
  let controls: NodeControls | undefined;
  let connectingSince = Date.now();
  let status: ConnectionStatus = { state: 'idle' } as ConnectionStatus;
  const watchers = [
    subject.status$.subscribe((next) => {
      status = next;
      if (next.state === 'connecting') {
        connectingSince = Date.now();
        say(next.attempt > 0 ? `connecting (attempt ${next.attempt})` : `connecting to ${settings.url}`);
      } else if (next.state === 'reconnecting') say(`reconnecting in ${Math.round(next.delay)} ms after ${describeEnd(next.cause)}${next.reason === 'retry-after' ? ' (as the server asked: Retry-After)' : ''}`);
      else if (next.state === 'exhausted') say(`gave up after ${next.attempt} attempts: ${describeEnd(next.cause)}`);
    }),
    subject.open$.subscribe((event) => {
      const socket = event.target as { protocol?: string } | null;
      controls = getNodeControls(socket);
      say(`open (${socket?.protocol || 'no subprotocol'}, ${Date.now() - connectingSince} ms)`);
      if (settings.closeAfter !== undefined) setTimeout(() => subject.close(1000), settings.closeAfter).unref();
      if (settings.printRtt && controls) printRoundTrips(controls, settings.heartbeat!, say);
    }),
    subject.close$.subscribe((event) => {
      controls = undefined;
      say(`closed (${event.code}${event.reason ? ` ${JSON.stringify(event.reason)}` : ''}${event.wasClean ? '' : ', no close frame'})`);
    }),
  ];

  // Messages out, one per line; a full stdout pauses the socket until it drains.
  let stdoutFull = false;
  const write = (data: string | Uint8Array): void => {
    const ok = io.stdout.write(`${formatMessage(data, pretty, settings.binary)}\n`);
    if (!ok && !stdoutFull) {
      stdoutFull = true;
      const paused = controls;
      paused?.pause();
      io.stdout.once('drain', () => {
        stdoutFull = false;
        paused?.resume();
      });
    }
  };
  let prompt: Interface | undefined;
  let failed = false;
  const source: Observable<string | Uint8Array> = settings.reconnect
    ? subject.pipe(reconnect({ ...(settings.maxAttempts !== undefined ? { maxAttempts: settings.maxAttempts } : {}), ...(settings.initialDelay !== undefined ? { initialDelay: settings.initialDelay } : {}) }))
    : subject;
  const ended = new Promise<number>((resolve) => {
    source.subscribe({
      next: (data) => {
        if (prompt) {
          io.stdout.write('\r\x1b[K');
          write(data);
          prompt.prompt(true);
        } else write(data);
      },
      error: (error: unknown) => {
        failed = true;
        say(`error: ${describeEnd(error)}`);
        resolve(1);
      },
      complete: () => resolve(0),
    });
  });

  let lineNumber = 0;
  /** A line to send, or undefined (reported) when --json is on and it is not JSON. Empty lines are skipped. */
  const accepted = (line: string): string | undefined => {
    lineNumber++;
    if (line === '') return undefined;
    if (settings.json) {
      try {
        JSON.parse(line);
      } catch (error) {
        say(`line ${lineNumber}: not JSON, not sent (${(error as Error).message})`);
        return undefined;
      }
    }
    return line;
  };

  if (interactive) prompt = interact(subject, io, accepted, () => status, () => controls, say);
  // (A failed connection is reported by the subscription above, first; sendAll() fails with it.)
  let done = false;
  if (!interactive) void pipe(subject, io, accepted, settings.wait, () => controls, () => done).catch((error: unknown) => failed || say(`error: ${describeEnd(error)}`));

  const code = await ended;
  done = true;
  for (const watcher of watchers) watcher.unsubscribe();
  prompt?.close();
  io.stdin.destroy(); // (stops reading a terminal or a pipe that has not ended)
  return code;
}

/** With --print-rtt: each heartbeat's round trip, measured with a protocol ping of our own. */
function printRoundTrips(controls: NodeControls, interval: number, say: (line: string) => void): void {
  let sentAt = 0;
  const stop = controls.onPong(() => {
    if (sentAt !== 0) say(`rtt ${(performance.now() - sentAt).toFixed(1)} ms`);
    sentAt = 0;
  });
  const timer = setInterval(() => {
    if (controls.raw.readyState !== 1) {
      clearInterval(timer);
      stop();
      return;
    }
    sentAt = performance.now();
    controls.ping();
  }, interval);
  timer.unref();
}

/** A socket holding more than this (bytes not yet on the network) makes a pipeline wait before its next line. */
const PIPE_HIGH_WATER_MARK = 1024 * 1024;

/**
 * A pipeline: each stdin line sent as fast as the socket takes it (stdin is read no faster: a
 * fast producer waits for `bufferedAmount`; while a --reconnect waits, lines wait too, nothing is
 * queued unbounded); then, once all is on the network (and `wait` ms later), close 1000.
 */
async function pipe(subject: WebSocketSubject<string, unknown>, io: CommandIo, accepted: (line: string) => string | undefined, wait: number, controls: () => NodeControls | undefined, ended: () => boolean): Promise<void> {
  for await (const line of linesOf(io.stdin)) {
    if (ended()) return;
    const message = accepted(line);
    if (message === undefined) continue;
    const socket = controls();
    if (socket === undefined || socket.raw.readyState !== 1 || socket.raw.bufferedAmount >= PIPE_HIGH_WATER_MARK) await writable(subject, controls, ended);
    if (ended()) return;
    subject.next(message);
  }
  // Nothing sent yet (empty stdin) or between connections: a connection first (or the end, reported).
  if (controls() === undefined) await writable(subject, controls, ended);
  if (ended()) return;
  await drained(controls());
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  subject.close(1000);
}

/** Resolves once a socket is open and holds less than the high-water mark (or the stream has ended). */
function writable(subject: WebSocketSubject<string, unknown>, controls: () => NodeControls | undefined, ended: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let stopWritten: (() => void) | undefined;
    const check = (): void => {
      const socket = controls();
      if (!ended() && (socket === undefined || socket.raw.readyState !== 1 || socket.raw.bufferedAmount >= PIPE_HIGH_WATER_MARK)) {
        if (socket !== undefined && stopWritten === undefined) stopWritten = socket.onWritten(check);
        return;
      }
      stopWritten?.();
      opened.unsubscribe();
      closed.unsubscribe();
      resolve();
    };
    // A new socket (after a reconnection) and the end of one are news too.
    const opened = subject.open$.subscribe(() => {
      stopWritten?.();
      stopWritten = undefined;
      queueMicrotask(check);
    });
    const closed = subject.close$.subscribe(() => {
      stopWritten?.();
      stopWritten = undefined;
      queueMicrotask(check);
    });
    check();
  });
}

/** Resolves once the socket has handed everything to the network. */
function drained(controls: NodeControls | undefined): Promise<void> {
  if (!controls || controls.raw.bufferedAmount === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = controls.onWritten(() => {
      if (controls.raw.bufferedAmount > 0 && controls.raw.readyState === 1) return;
      stop();
      resolve();
    });
  });
}

/** A terminal: a prompt; lines are sent, slash commands run. Ctrl-D closes with 1000. */
function interact(
  subject: WebSocketSubject<string, unknown>,
  io: CommandIo,
  accepted: (line: string) => string | undefined,
  status: () => ConnectionStatus,
  controls: () => NodeControls | undefined,
  say: (line: string) => void,
): Interface {
  const prompt = createInterface({ input: io.stdin, output: io.stdout, prompt: '> ' });
  const closeWith = (code: number, reason?: string): void => {
    try {
      subject.close(code, reason);
    } catch (error) {
      say(`/close: ${(error as Error).message}`);
    }
  };
  prompt.on('line', (line) => {
    const command = /^\/(\w+)\s*(.*)$/.exec(line);
    if (command) {
      const [, name, rest] = command as unknown as [string, string, string];
      if (name === 'ping') {
        const socket = controls();
        if (!socket) say('/ping: not connected');
        else {
          const sentAt = performance.now();
          const stop = socket.onPong(() => {
            stop();
            say(`pong (${(performance.now() - sentAt).toFixed(1)} ms)`);
          });
          socket.ping();
        }
      } else if (name === 'close') {
        const [code, ...reason] = rest.split(' ').filter(Boolean);
        closeWith(code === undefined ? 1000 : Number(code), reason.length > 0 ? reason.join(' ') : undefined);
      } else if (name === 'state') say(JSON.stringify(status(), (key, value: unknown) => (key === 'cause' ? describeEnd(value) : value)));
      else if (name === 'quit') closeWith(1000);
      else say(`unknown command /${name} (/ping, /close [code] [reason], /state, /quit)`);
    } else {
      const message = accepted(line);
      if (message !== undefined) subject.next(message);
    }
    prompt.prompt();
  });
  prompt.on('close', () => closeWith(1000)); // Ctrl-D
  prompt.prompt();
  return prompt;
}
