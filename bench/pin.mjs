// CPU pinning for benchmark processes. On a small machine (the 2-core CI box) the scheduler moves
// the client, the server and V8's helper threads between cores as it likes, and where they land
// changes a figure by up to 2x from one run to the next (a client sharing its core with the
// server waits for it; GC threads freeing buffers on another core change how glibc reuses memory).
// `BENCH_PIN=1` (or `--pin`), where `taskset` exists and there are at least two CPUs, runs the
// client process on CPU 0 and the server on CPU 1, for every client alike. Off by default: on the
// 2-vCPU machine here pinning lowered every client's throughput (CPU 0 also takes the machine's
// interrupts) and did not make latency steadier; it is there to try on other machines.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

let available;
/** Whether processes are pinned in this run. */
export function pinning() {
  if (process.env.BENCH_PIN !== '1' && !process.argv.includes('--pin')) return false;
  if (available === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      available = availableParallelism() >= 2;
    } catch {
      available = false;
    }
  }
  return available;
}

/** The command and arguments that run `node ...args` on `cpu` (or unpinned): for `spawn`. */
export function nodeOn(cpu, args) {
  return pinning() ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
}

/** The CPU the client process runs on, and the one its server runs on. */
export const CLIENT_CPU = 0;
export const SERVER_CPU = 1;
