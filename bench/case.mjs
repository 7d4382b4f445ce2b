// One measurement: one client, one scenario, in this fresh process (started by run.mjs).
// Starts its own server process (bench/server.mjs, `--server=minimal|ws`, default minimal) unless
// --port is given, runs the scenario and prints one line `BENCH_RESULT {json}` on stdout.
//
// Usage: node --expose-gc bench/case.mjs <client> <scenario>
//          [--warmup=ms] [--duration=ms] [--connections=N] [--server=minimal|ws] [--port=N]
import { spawn } from 'node:child_process';
import { nodeOn, SERVER_CPU } from './pin.mjs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const [clientName, scenarioName, ...rest] = process.argv.slice(2);
if (!clientName || !scenarioName) {
  console.error('usage: node --expose-gc bench/case.mjs <client> <scenario> [--warmup=ms] [--duration=ms] [--connections=N] [--server=minimal|ws] [--port=N]');
  process.exit(2);
}
const flags = Object.fromEntries(
  rest.filter((a) => a.startsWith('--')).map((a) => {
    const [k, v = 'true'] = a.slice(2).split('=');
    return [k, v];
  }),
);

const client = await import(new URL(`./clients/${clientName}.mjs`, import.meta.url).href);
const scenario = await import(new URL(`./scenarios/${scenarioName}.mjs`, import.meta.url).href);

let port = Number(flags.port ?? 0);
if (!port) {
  const [command, argv] = nodeOn(SERVER_CPU, [new URL('./server.mjs', import.meta.url).pathname, `--server=${flags.server ?? 'minimal'}`]);
  const server = spawn(command, argv, {
    // Its stdin is our pipe: when this process exits, the server sees EOF and exits too.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  port = JSON.parse(line).port;
}

const ctx = {
  warmupMs: Number(flags.warmup ?? 500),
  durationMs: Number(flags.duration ?? 2000),
  connections: Number(flags.connections ?? 2000),
  url: (path) => `ws://127.0.0.1:${port}${path}`,
};

const metrics = await scenario.run(client, ctx);
process.stdout.write(
  'BENCH_RESULT ' + JSON.stringify({ client: client.name, scenario: scenario.name, metrics }) + '\n',
);
// Exit rather than wait for every handle (keep-alive agents, the server pipe) to wind down.
process.exit(0);
