// A real redis-server (Debian's package) for the specs: on a free loopback port, without
// persistence, in a temporary directory; stopped by the file that started it. When the binary is
// missing, the spec FAILS with what to install (never a silent skip: .ci/run installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** The redis-server binary: $REDIS_SERVER, else the first on PATH (Debian: /usr/bin/redis-server). */
function findRedisServer(): string {
  const candidates = [process.env['REDIS_SERVER'], ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')), '/usr/bin/redis-server'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error('redis-server is not installed: these specs need a real Redis. Install Debian\'s package (apt-get install redis-server; .ci/run does it) or set REDIS_SERVER to the binary.');
  }
  return found;
}

/** A port free at this moment on 127.0.0.1 (listen on 0, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PING on `port` (once). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(reply.startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts one redis-server; retries on another port when its port was taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'rxws-redis-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let gone = false;
    void exited(child).then(() => (gone = true));
    // PING until it answers (or the process exits), up to a generous limit.
    const start = Date.now();
    while (!gone && !(await ping(port))) {
      if (Date.now() - start > 20_000) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port} within 20 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!gone) {
      return {
        port,
        stop: async () => {
          child.kill('SIGTERM');
          await exited(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt >= 5 || !/address already in use/i.test(output)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server exited at start:\n${output}`);
    }
  }
}
