// Round-trip latency: one 32-byte text message in flight; the next is sent from the handler of
// the previous echo. Measures the client's send + receive latency on top of loopback TCP.
import { setTimeout as sleep } from 'node:timers/promises';

export const name = 'latency';
export const description = 'one 32-byte text message in flight; round trip p50 / p99 in µs';
export const metrics = [
  // Against the ws server (issue 15): at most 1.03x raw ws.
  { key: 'p50Us', label: 'RTT p50 µs', better: 'lower', target: { ws: { max: 1.03 } } },
  { key: 'p99Us', label: 'RTT p99 µs', better: 'lower' },
  // The client's CPU per round trip (all its threads): steadier than wall-clock latency on a busy
  // machine, and what the client adds to each round trip.
  { key: 'cpuUsPerRoundTrip', label: 'client CPU µs/RTT', better: 'lower' },
];

const PAYLOAD = 'x'.repeat(32);
const MAX_SAMPLES = 2_000_000;

export async function run(client, ctx) {
  const conn = await client.connect(ctx.url('/echo'));
  const samples = new Float64Array(MAX_SAMPLES);
  let count = 0;
  let recording = false;
  let running = true;
  let sentAt = 0n;
  conn.onMessage(() => {
    const now = process.hrtime.bigint();
    if (recording && count < MAX_SAMPLES) samples[count++] = Number(now - sentAt) / 1e3;
    if (!running) return;
    sentAt = process.hrtime.bigint();
    conn.send(PAYLOAD);
  });
  sentAt = process.hrtime.bigint();
  conn.send(PAYLOAD);

  await sleep(ctx.warmupMs);
  recording = true;
  const c0 = process.cpuUsage();
  await sleep(ctx.durationMs);
  const cpu = process.cpuUsage(c0);
  recording = false;
  running = false;
  await conn.close();

  const sorted = samples.subarray(0, count).sort();
  const at = (q) => sorted[Math.min(count - 1, Math.floor(q * count))];
  return { p50Us: at(0.5), p99Us: at(0.99), cpuUsPerRoundTrip: (cpu.user + cpu.system) / count, roundTrips: count };
}
