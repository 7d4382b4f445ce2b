// Runs page code in headless Chromium (Debian's `chromium`, driven by playwright-core) against
// real servers started by the test. Page code is bundled by esbuild from spec/browser/pages with
// `rxws` resolved to the built browser tree (dist/browser): what a bundler gives users.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const root = join(__dirname, '..', '..');

/** Where Chromium is, or a clear error saying how to get it (the suite must not pass silently). */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      'Chromium was not found, so the browser tests cannot run. Install it with ' +
        '`apt-get install -y chromium` (Debian; .ci/run does this), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return found;
}

/** Flags that work on this machine's closed network (see the env notes). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A bundled page script: the code of spec/browser/pages/<name>.ts for browsers. */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, 'pages', entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
    alias: {
      'rxws/session': join(root, 'dist', 'browser', 'session', 'index.js'),
      'rxws/shared/session': join(root, 'dist', 'browser', 'shared', 'session', 'index.js'),
      'rxws/shared': join(root, 'dist', 'browser', 'shared', 'index.js'),
      'rxws/observe': join(root, 'dist', 'browser', 'observe', 'index.js'),
      rxws: join(root, 'dist', 'browser', 'index.js') },
  });
  return result.outputFiles[0]!.text;
}

/** rxjs as one ESM file, for pages that load dist/browser unbundled through an import map. */
async function rxjsModule(): Promise<string> {
  const result = await build({
    stdin: { contents: "export * from 'rxjs';", resolveDir: root },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface BrowserSession {
  page: Page;
  origin: string;
  /** Runs the page test `name` (exported by the page bundle) with `input`; resolves with its report. */
  run<T = unknown>(name: string, input?: unknown): Promise<T>;
  /** The same, inside a dedicated module Worker started by the page. */
  runInWorker<T = unknown>(name: string, input?: unknown): Promise<T>;
  /**
   * Another page (tab) of the same browser context, on `origin` (default: this session's), with
   * the same page bundle; `run` as above. Closed with the session.
   */
  newPage(origin?: string): Promise<{ page: Page; run<T = unknown>(name: string, input?: unknown): Promise<T> }>;
  /** What the page printed to its console, for failure output. */
  console: string[];
  close(): Promise<void>;
}

/**
 * Starts Chromium and a static server for the page bundle `entry` (spec/browser/pages/<entry>).
 * The page exposes `globalThis.__rxwsTests` (a map of test name to async function).
 */
export async function openBrowser(entry: string, options: { freezable?: boolean; workers?: string[] } = {}): Promise<BrowserSession> {
  const executablePath = findChromium();
  const [code, rxjs] = await Promise.all([bundle(entry), rxjsModule()]);
  const files: Record<string, [string, string]> = {
    '/': ['text/html', '<!doctype html><html><head><meta charset="utf-8"><title>rxws</title></head><body><script type="module" src="/tests.js"></script></body></html>'],
    '/tests.js': ['text/javascript', code],
    '/vendor/rxjs.js': ['text/javascript', rxjs],
  };
  // Worker scripts (pages/<name>.ts), served as /<name>.js.
  for (const worker of options.workers ?? []) files[`/${worker.replace(/\.ts$/, '.js')}`] = ['text/javascript', await bundle(worker)];
  const http: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    let file = files[path];
    if (!file && path.startsWith('/dist/browser/')) {
      const local = join(root, path);
      if (local.startsWith(join(root, 'dist', 'browser')) && existsSync(local)) {
        file = ['text/javascript', readFileSync(local, 'utf8')];
      }
    }
    if (!file && path === '/plain.html') {
      file = ['text/html', plainModulePage()];
    }
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1]);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const { browser, context, stop } = options.freezable ? await launchFreezable(executablePath) : await launch(executablePath);
  const page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as { __rxwsTests?: unknown }).__rxwsTests !== undefined, undefined, { timeout: 10_000 });
  const runOn = <T>(target: Page, name: string, input?: unknown): Promise<T> =>
    target.evaluate(
      ([n, i]) => (globalThis as unknown as { __rxwsTests: Record<string, (x: unknown) => Promise<unknown>> }).__rxwsTests[n as string]!(i),
      [name, input] as const,
    ) as Promise<T>;
  return {
    page,
    origin,
    console: consoleLines,
    async newPage(pageOrigin = origin) {
      const another = await context.newPage();
      another.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
      another.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
      await another.goto(`${pageOrigin}/`);
      await another.waitForFunction(() => (globalThis as { __rxwsTests?: unknown }).__rxwsTests !== undefined, undefined, { timeout: 10_000 });
      return { page: another, run: <T>(name: string, input?: unknown) => runOn<T>(another, name, input) };
    },
    run: <T>(name: string, input?: unknown) =>
      page.evaluate(
        ([n, i]) => (globalThis as unknown as { __rxwsTests: Record<string, (x: unknown) => Promise<unknown>> }).__rxwsTests[n as string]!(i),
        [name, input] as const,
      ) as Promise<T>,
    runInWorker: <T>(name: string, input?: unknown) =>
      page.evaluate(
        ([n, i]) =>
          new Promise<unknown>((resolve, reject) => {
            const worker = new Worker('/tests.js', { type: 'module' });
            worker.onmessage = (event: MessageEvent) => {
              const data = event.data as { ready?: boolean; result?: unknown; error?: string };
              if (data.ready) worker.postMessage({ name: n, input: i });
              else {
                worker.terminate();
                if (data.error !== undefined) reject(new Error(data.error));
                else resolve(data.result);
              }
            };
            worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
          }),
        [name, input] as const,
      ) as Promise<T>,
    async close() {
      await browser.close();
      await stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

// A page with no bundler: dist/browser loaded as-is by <script type="module">, rxjs through an
// import map. Proves the browser tree has no bare imports but rxjs.
function plainModulePage(): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{ "imports": { "rxjs": "/vendor/rxjs.js" } }</script>
<script type="module">
  const before = Object.getOwnPropertyNames(globalThis).sort().join();
  const rxws = await import('/dist/browser/index.js');
  const after = Object.getOwnPropertyNames(globalThis).sort().join();
  globalThis.__plain = { WebSocketIsNative: rxws.WebSocket === globalThis.WebSocket, exports: Object.keys(rxws).sort(), globalsTouched: before !== after };
</script></head><body></body></html>`;
}

async function launch(executablePath: string): Promise<{ browser: Browser; context: BrowserContext; stop(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  return { browser, context: await browser.newContext(), stop: async () => {} };
}

/**
 * A Chromium whose pages CDP can freeze (`Page.setWebLifecycleState`): Playwright's own contexts
 * keep every page visible (focus emulation), and Chromium freezes only hidden pages. So Chromium
 * is started here and attached to without Playwright's defaults; its default context is used.
 */
async function launchFreezable(executablePath: string): Promise<{ browser: Browser; context: BrowserContext; stop(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'rxws-chromium-'));
  // Its own process group: stopping it stops its renderer and utility processes too.
  const child: ChildProcess = spawn(executablePath, ['--headless', ...CHROMIUM_ARGS, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore', detached: true });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill();
      }
      await exited;
    }
    // (a process of the group may still be closing its files in the profile: rmSync retries ENOTEMPTY and EBUSY)
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };
  try {
    // Chromium writes the port it chose to DevToolsActivePort in the profile.
    const portFile = join(profile, 'DevToolsActivePort');
    for (let waited = 0; !existsSync(portFile) || readFileSync(portFile, 'utf8').split('\n').length < 2; waited += 50) {
      if (waited > 20_000 || child.exitCode !== null) throw new Error('Chromium did not start its DevTools endpoint');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const port = readFileSync(portFile, 'utf8').split('\n')[0];
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { noDefaults: true });
    return { browser, context: browser.contexts()[0]!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
