// Small text messages: 32-byte strings, pipelined echo, 1000 in flight. Per-message overhead
// (framing, events, decoding) dominates at this size.
import { pipelinedEcho } from './_pipelined.mjs';

export const name = 'text-throughput';
export const description = '32-byte text messages, pipelined echo (window 1000); msg/s received';
export const metrics = [
  // Against the ws server (issue 15): at least 1.10x raw ws; against the minimal one, 0.95x.
  { key: 'msgPerSec', label: 'msg/s', better: 'higher', target: { minimal: { min: 0.95 }, ws: { min: 1.1 } } },
  { key: 'cpuUsPerMsg', label: 'client CPU µs/msg', better: 'lower' },
  { key: 'cpuUtil', label: 'client CPU util', better: 'info' },
];

const PAYLOAD = 'x'.repeat(32);

export function run(client, ctx) {
  return pipelinedEcho(client, ctx, { payload: PAYLOAD, window: 1000 });
}
