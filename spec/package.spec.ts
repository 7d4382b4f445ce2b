// The published shape: what `npm run build` leaves in dist/ is what users import.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const run = promisify(execFile);
const node = (args: string[]) => run(process.execPath, args, { cwd: root, timeout: 30_000 });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the package', () => {
  it('works with require() on Node 20 (no global WebSocket needed)', async () => {
    const { stdout } = await node(['-e', "const m = require('rxws'); console.log(typeof m.WebSocket, m.WebSocket.OPEN, typeof m.CloseEvent, typeof globalThis.WebSocket)"]);
    expect(stdout.trim()).toBe('function 1 function undefined');
  });

  it('works with import on Node 20, and rxws/node too', async () => {
    const { stdout } = await node([
      '--input-type=module',
      '-e',
      "import { WebSocket } from 'rxws'; import { wrapWebSocket } from 'rxws/node'; console.log(WebSocket.name, typeof wrapWebSocket)",
    ]);
    expect(stdout.trim()).toBe('WebSocket function');
  });

  it('gives the browser condition the platform WebSocket, never ws or Node built-ins', async () => {
    const browser = files(join(root, 'dist', 'browser')).filter((f) => f.endsWith('.js'));
    expect(browser.length).toBeGreaterThan(0);
    for (const file of browser) {
      const source = readFileSync(file, 'utf8');
      expect(source).not.toMatch(/from\s*['"](ws|node:[^'"]*)['"]/);
      expect(source).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
    }
    const { stdout } = await node([
      '--conditions=browser',
      '--input-type=module',
      '-e',
      "globalThis.WebSocket = class Native {}; const m = await import('rxws'); console.log(m.WebSocket === globalThis.WebSocket)",
    ]);
    expect(stdout.trim()).toBe('true');
  });

  it('declares sideEffects: false and ships declarations for every entry', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      sideEffects: boolean;
      exports: Record<string, { types?: string }>;
      peerDependencies: Record<string, string>;
    };
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.peerDependencies.rxjs).toMatch(/^\^7/);
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect([entry, existsSync(join(root, target.types!))]).toEqual([entry, true]);
    }
  });

  it('type-checks a consumer project against dist/types through the exports map', async () => {
    await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'spec', 'fixtures', 'consumer')], {
      cwd: root,
      timeout: 60_000,
    });
  });
});
