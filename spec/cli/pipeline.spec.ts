// `rxws connect` in a pipeline with `rxws serve --echo`, both real processes: 100 MB of ndjson
// through and back with flat memory, and a slow reader that holds the writer back.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, until } from './run.js';

const LINE_BYTES = 1024;
const TOTAL_BYTES = 100 * 1024 * 1024;
const LINES = TOTAL_BYTES / LINE_BYTES;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** `rxws serve --echo` with its log discarded (a million lines of it); resolves with its URL. */
async function echoServer(): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--echo'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await until(() => out.includes('\n'), 'the port');
  return `ws://127.0.0.1:${Number(out.split('\n')[0])}`;
}

/** `rxws connect url` with pipes; stderr discarded. */
function connectProcess(url: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'connect', url], { stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(child);
  return child;
}

/** Line `n` of the input: ndjson, exactly LINE_BYTES with its newline. */
function line(n: number): string {
  const head = `{"n":${n},"pad":"`;
  return `${head}${'x'.repeat(LINE_BYTES - head.length - 3)}"}\n`;
}

/** The peak resident memory of a process so far (VmHWM), in bytes; 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Writes `count` lines from `from` to `stdin`, honouring its backpressure; resolves when written. */
async function writeLines(stdin: NodeJS.WritableStream, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) {
    if (!stdin.write(line(n))) await new Promise((resolve) => stdin.once('drain', resolve));
  }
}

/** Counts the lines coming out of `stdout` (without keeping them) and checks each is the next one. */
function countLines(stdout: NodeJS.ReadableStream): { lines: number; bytes: number; mismatch: string | undefined } {
  const seen = { lines: 0, bytes: 0, mismatch: undefined as string | undefined };
  let rest = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    seen.bytes += chunk.length;
    rest += chunk;
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      const text = rest.slice(start, end + 1);
      if (seen.mismatch === undefined && text !== line(seen.lines)) seen.mismatch = `line ${seen.lines}: ${text.slice(0, 60)}`;
      seen.lines++;
      start = end + 1;
    }
    rest = rest.slice(start);
  });
  return seen;
}

it('moves 100 MB of ndjson through rxws connect and rxws serve --echo and back, in order, the client under 200 MB of memory', async () => {
  const url = await echoServer();
  const client = connectProcess(url);
  const out = countLines(client.stdout!);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRss(client.pid!))), 50);
  const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
  await writeLines(client.stdin!, 0, LINES);
  // (stdin stays open until every echo is back: the client then closes cleanly.)
  await until(() => out.lines === LINES || out.mismatch !== undefined, `${LINES} lines back (got ${out.lines})`, 300_000);
  peak = Math.max(peak, peakRss(client.pid!));
  client.stdin!.end();
  expect(await exited).toBe(0);
  clearInterval(sampler);
  expect(out.mismatch).toBeUndefined();
  expect(out.bytes).toBe(TOTAL_BYTES);
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(200 * 1024 * 1024);
}, 360_000);

it('a reader that does not read holds the writer back: stdin stops being taken after a few MB, and everything arrives once reading resumes', async () => {
  const url = await echoServer();
  const client = connectProcess(url);
  client.stdout!.pause(); // nobody reads the client's output
  const stdin = client.stdin!;
  let written = 0;
  let blocked = false;
  // Write until stdin stops taking lines: a write refused, and no drain for a while (the writer is held back).
  for (let n = 0; n < LINES; n++) {
    written++;
    if (!stdin.write(line(n))) {
      const drained = await Promise.race([new Promise((resolve) => stdin.once('drain', () => resolve(true))), new Promise((resolve) => setTimeout(() => resolve(false), 3000))]);
      if (!drained) {
        blocked = true;
        break;
      }
    }
  }
  expect(blocked).toBe(true); // (else all 100 MB went in with nobody reading)
  expect(written * LINE_BYTES).toBeLessThan(48 * 1024 * 1024);
  // Reading again: everything taken comes back, in order; then stdin ends and the client closes
  // cleanly. (Not before: a WebSocket drops what arrives after its own close frame went out, so a
  // pipeline that expects replies keeps stdin open, or gives --wait.)
  const out = countLines(client.stdout!);
  client.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
  await until(() => out.lines === written || out.mismatch !== undefined, `${written} lines back (got ${out.lines})`, 120_000);
  stdin.end();
  expect(out.mismatch).toBeUndefined();
  expect(await exited).toBe(0);
}, 180_000);
