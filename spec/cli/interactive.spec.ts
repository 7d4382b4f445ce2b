// `rxws connect` on a terminal: a real pseudo-terminal (tmux, Debian's package; .ci/run installs
// it), keys typed into it, its screen read back.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createTestServer, useTestServers } from 'rxws/testing';
import { BIN, serveCommand } from './run.js';

useTestServers();
const exec = promisify(execFile);
const SOCKET = `rxws-spec-${process.pid}`; // a tmux server of this file's own

function tmuxBinary(): string {
  const found = ['/usr/bin/tmux', '/usr/local/bin/tmux', '/bin/tmux'].find((path) => existsSync(path));
  if (!found) throw new Error('tmux is not installed: the interactive specs drive a real terminal with it. Install it (apt-get install tmux; .ci/run does it).');
  return found;
}
const tmux = (...args: string[]) => exec(tmuxBinary(), ['-L', SOCKET, ...args]);

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
});

let sessions = 0;
/** Runs `rxws ...args` in a new tmux window (a terminal 160×50); answers its name. */
async function terminal(...args: string[]): Promise<string> {
  const name = `t${++sessions}`;
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The shell prints the exit code, then keeps the window (and its screen) until the tmux server is killed.
  await tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', `${command}; echo "[exit $?]"; sleep 600`);
  return name;
}
const screen = async (name: string): Promise<string> => (await tmux('capture-pane', '-p', '-J', '-t', name)).stdout;
const type = (name: string, text: string) => tmux('send-keys', '-t', name, '-l', text).then(() => tmux('send-keys', '-t', name, 'Enter'));

/** Reads the screen of `name` until it matches `pattern`, and answers it. */
async function watch(name: string, pattern: RegExp, what: string): Promise<string> {
  const start = Date.now();
  for (;;) {
    const text = await screen(name);
    if (pattern.test(text)) return text;
    if (Date.now() - start > 20_000) throw new Error(`Timed out waiting for ${what}. The screen:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('rxws connect on a terminal', () => {
  it('sends typed lines, prints JSON pretty and coloured, and /close 4000 bye closes with that code', async () => {
    const server = await createTestServer();
    const name = await terminal('connect', server.url);
    const connection = await server.nextConnection({ timeout: 20_000 });
    await watch(name, /open \(no subprotocol, \d+ ms\)/, 'the open state');
    await type(name, '{"order":1}');
    expect(await connection.nextMessage({ timeout: 20_000 })).toBe('{"order":1}');
    connection.send('{"fill":{"id":1,"ok":true}}');
    const shown = await watch(name, /"fill": \{\s*\n\s*"id": 1,\s*\n\s*"ok": true/, 'the pretty JSON');
    expect(shown).toMatch(/"fill": \{/);
    const coloured = (await tmux('capture-pane', '-p', '-e', '-t', name)).stdout;
    expect(coloured).toMatch(/\x1b\[3\dm"fill"/); // a key in colour
    await type(name, '/state');
    await watch(name, /\{"state":"open"\}/, '/state');
    await type(name, '/ping');
    await watch(name, /pong \(\d+\.\d ms\)/, '/ping');
    await type(name, '/close 4000 bye');
    expect(await connection.closed).toMatchObject({ code: 4000, reason: 'bye' });
    await watch(name, /closed \(4000 "bye"\)[\s\S]*\[exit 0\]/, 'the close and the exit');
  }, 60_000);

  it('shows the reconnection after rxws serve --restart-every restarts', async () => {
    const server = await serveCommand('--restart-every', '400');
    const name = await terminal('connect', server.url, '--reconnect', '--initial-delay', '20');
    const text = await watch(name, /reconnecting in \d+ ms after 1012 "Service Restart"[\s\S]*open \(/, 'the reconnection');
    expect(text).toMatch(/connecting \(attempt 1\)/);
    await type(name, 'after');
    await watch(name, /\nafter\s*\n/, 'the echo after the reconnection');
    await type(name, '/quit');
    await watch(name, /\[exit 0\]/, 'the exit');
  }, 60_000);
});
