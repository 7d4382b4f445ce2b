// `rxws serve`: rxws/testing's server as a command, for trying clients and for tests, with faults
// on purpose (docs/cli.md).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RawData } from 'ws';
import { createTestServer, type TestConnection, type TestServer } from '../testing/index.js';
import { parseArgs } from 'node:util';
import { parse, wholeNumber } from './arguments.js';
import type { CommandIo } from './connect.js';
import { SERVE_HELP, UsageError } from './usage.js';

/** A connection stops being read while this much waits to be sent to it (a slow client holds back its own sends). */
const PAUSE_AT_BYTES = 4 * 1024 * 1024;
/** How much of a message the log shows. */
const LOG_PREVIEW = 200;

type Handler = (message: unknown, connection: TestConnection) => unknown;

interface ServeSettings {
  readonly port: number;
  readonly mode: 'echo' | 'broadcast' | 'script';
  readonly script: string | undefined;
  readonly json: boolean;
  readonly dropEvery: number | undefined;
  readonly restartEvery: number | undefined;
  readonly refuse: number | undefined;
  readonly stallAfter: number | undefined;
  readonly latency: number;
}

function settingsOf(args: string[]): ServeSettings | 'help' {
  const { values, positionals } = parse('serve', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        echo: { type: 'boolean' },
        broadcast: { type: 'boolean' },
        script: { type: 'string' },
        json: { type: 'boolean' },
        'drop-every': { type: 'string' },
        'restart-every': { type: 'string' },
        refuse: { type: 'string' },
        'stall-after': { type: 'string' },
        latency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`rxws serve: takes no arguments besides options, not ${positionals.join(' ')} (rxws serve --help).`);
  const modes = [values.echo && 'echo', values.broadcast && 'broadcast', values.script !== undefined && 'script'].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`rxws serve: choose one of --echo, --broadcast and --script, not ${modes.map((m) => `--${String(m)}`).join(' and ')}.`);
  const port = wholeNumber('serve', 'port', values.port) ?? 0;
  if (port > 65535) throw new UsageError(`rxws serve: --port must be at most 65535, not ${port}.`);
  return {
    port,
    mode: (modes[0] as ServeSettings['mode'] | undefined) ?? 'echo',
    script: values.script,
    json: values.json ?? false,
    dropEvery: wholeNumber('serve', 'drop-every', values['drop-every'], 1),
    restartEvery: wholeNumber('serve', 'restart-every', values['restart-every'], 1),
    refuse: wholeNumber('serve', 'refuse', values.refuse, 1),
    stallAfter: wholeNumber('serve', 'stall-after', values['stall-after'], 1),
    latency: wholeNumber('serve', 'latency', values.latency) ?? 0,
  };
}

/** The script's handler: its default export, or its `reply` export. */
async function loadScript(file: string): Promise<Handler> {
  let module: { default?: unknown; reply?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown; reply?: unknown };
  } catch (error) {
    throw new UsageError(`rxws serve: cannot load --script ${file}: ${(error as Error).message}`);
  }
  const handler = typeof module.default === 'function' ? module.default : module.reply;
  if (typeof handler !== 'function') throw new UsageError(`rxws serve: --script ${file} must export a function (default, or named reply): (message, connection) => reply.`);
  return handler as Handler;
}

const preview = (text: string): string => (text.length > LOG_PREVIEW ? `${text.slice(0, LOG_PREVIEW)}… (${text.length} chars)` : text);

/**
 * Runs `rxws serve` with `args`: resolves with the exit code once a signal (SIGINT, SIGTERM) has
 * closed the server (every client gets 1001), or at once with 2 for bad usage.
 *
 * @example
 * process.exitCode = await serve(['--port', '8080', '--restart-every', '5000'], process);
 */
export async function serve(args: string[], io: CommandIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const settings = settingsOf(args);
  if (settings === 'help') {
    io.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const handler = settings.script !== undefined ? await loadScript(settings.script) : undefined;
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const server: TestServer = await createTestServer({ port: settings.port, json: settings.json, history: false, replyDelay: settings.latency });
  io.stdout.write(`${server.port}\n`);
  say(`listening on ${server.url} (${settings.mode}${settings.json ? ', JSON' : ''})`);
  if (settings.refuse !== undefined) server.refuseNext(settings.refuse, 503, { headers: { 'retry-after': '1' } });
  if (handler) server.on(() => true).reply(handler);

  server.onConnection((connection) => {
    const label = `#${connection.id}`;
    say(`+ ${label} ${connection.request.url}${connection.protocol ? ` (${connection.protocol})` : ''}`);
    let count = 0;
    connection.raw.on('message', (data: RawData, isBinary: boolean) => {
      count++;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      say(`${label} → ${isBinary ? `[binary ${bytes.length} B]` : preview(bytes.toString('utf8'))}`);
      if (settings.stallAfter !== undefined && count >= settings.stallAfter) {
        if (count === settings.stallAfter) {
          connection.stall();
          say(`${label} stalled after ${count} messages`);
        }
        return;
      }
      if (settings.dropEvery !== undefined && count % settings.dropEvery === 0) {
        say(`${label} dropped (message ${count})`);
        connection.drop();
        return;
      }
      if (settings.mode === 'script') return; // the reply rule answers
      const targets = settings.mode === 'broadcast' ? server.openConnections : [connection];
      const send = (): void => {
        for (const target of targets) if (target.isOpen) target.raw.send(bytes, { binary: isBinary });
        // A client that does not read what it is sent: stop reading it until it catches up.
        if (connection.raw.bufferedAmount > PAUSE_AT_BYTES && connection.isReading) {
          connection.stopReading();
          connection.socket.once('drain', () => connection.resumeReading());
        }
      };
      if (settings.latency > 0) setTimeout(send, settings.latency);
      else send();
    });
    void connection.closed.then((info) => say(`- ${label} closed ${info.code}${info.reason ? ` ${JSON.stringify(info.reason)}` : ''}${info.wasClean ? '' : ' (no close frame)'}`));
  });

  let restarts: NodeJS.Timeout | undefined;
  const scheduleRestart = (): void => {
    restarts = setTimeout(() => {
      say('restarting (1012 to every client)');
      server.restart().then(scheduleRestart, (error: unknown) => say(`restart failed: ${(error as Error).message}`));
    }, settings.restartEvery);
  };
  if (settings.restartEvery !== undefined) scheduleRestart();

  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      signals.removeListener('SIGINT', onInt);
      signals.removeListener('SIGTERM', onTerm);
      say(`${signal}: closing (1001 to every client)`);
      done();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
  clearTimeout(restarts);
  await server.close();
  return 0;
}
