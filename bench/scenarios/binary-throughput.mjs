// Large binary messages: 64 KiB, pipelined echo, 16 in flight (1 MiB). Byte handling (masking,
// copies, buffer allocation) dominates at this size.
import { pipelinedEcho } from './_pipelined.mjs';

export const name = 'binary-throughput';
export const description = '64 KiB binary messages, pipelined echo (window 16); MB/s received';
export const metrics = [
  // With Buffers: at least 1.00x raw ws against the ws server (issue 15), 0.95x against the minimal one.
  { key: 'mbPerSec', label: 'MB/s', better: 'higher', target: { minimal: { min: 0.95 }, ws: { min: 1.0 } } },
  { key: 'cpuUsPerMsg', label: 'client CPU µs/msg', better: 'lower' },
  { key: 'cpuUtil', label: 'client CPU util', better: 'info' },
];

// Random bytes, so nothing downstream can take a shortcut on uniform data.
const PAYLOAD = new Uint8Array(64 * 1024).map(() => (Math.random() * 256) | 0);

export function run(client, ctx) {
  return pipelinedEcho(client, ctx, { payload: PAYLOAD, window: 16 });
}
