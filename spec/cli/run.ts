// Runs the built `rxws` command (bin/rxws.mjs → dist/, which `npm test` builds first) as a real
// process, as a user's shell does.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(__dirname, '..', '..', 'bin', 'rxws.mjs');

/** A running `rxws` process, its output collected. */
export interface Command {
  readonly child: ChildProcessWithoutNullStreams;
  /** All stdout / stderr so far. */
  stdout: string;
  stderr: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** Starts `rxws ...args`. */
export function rxws(...args: string[]): Command {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
  running.add(child);
  const command: Command = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => (running.delete(child), resolve(code)))),
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (command.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (command.stderr += chunk));
  return command;
}

/** Runs `rxws ...args` with `input` on stdin to the end: its exit code and output. */
export async function run(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = rxws(...args);
  command.child.stdin.end(input);
  const code = await command.exited;
  return { code, stdout: command.stdout, stderr: command.stderr };
}

/**
 * Runs `rxws ...args`, writes `input`, waits until stdout has `lines` lines (the replies), then
 * ends stdin (a pipeline's client closes once stdin has ended): its exit code and output.
 */
export async function converse(input: string, lines: number, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = rxws(...args);
  command.child.stdin.write(input);
  await until(() => command.stdout.split('\n').length > lines || command.child.exitCode !== null, `${lines} lines on stdout`);
  command.child.stdin.end();
  const code = await command.exited;
  return { code, stdout: command.stdout, stderr: command.stderr };
}

/** Waits until `predicate` holds (checked on each output chunk and every 20 ms), up to `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `rxws serve ...args` and resolves once it printed its port. */
export async function serveCommand(...args: string[]): Promise<Command & { url: string }> {
  const command = rxws('serve', ...args);
  await until(() => command.stdout.includes('\n') || command.child.exitCode !== null, 'the port on stdout');
  const port = Number(command.stdout.split('\n')[0]);
  if (!port) throw new Error(`rxws serve printed no port: ${command.stdout} ${command.stderr}`);
  return Object.assign(command, { url: `ws://127.0.0.1:${port}` });
}
