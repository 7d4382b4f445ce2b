// Shared by the throughput scenarios: a pipelined echo over one connection.
//
// The client keeps `window` messages in flight: it sends `window` at the start and one more for
// each echo it receives, so every measured message costs the client one send and one receive —
// the whole client path — and the loop is self-clocking (no client-side queue grows without
// bound, whatever the client's speed). The server echoes in batches at a fraction of the
// client's cost per message, so the client process is the bottleneck; `cpuUtil` (client CPU time
// / wall time, ~1.0 when saturated) shows whether that held.
import { setTimeout as sleep } from 'node:timers/promises';

export async function pipelinedEcho(client, ctx, { payload, window }) {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const conn = await client.connect(ctx.url('/echo'));
  let received = 0;
  let sending = true;
  let checked = false;
  conn.onMessage((data) => {
    if (!checked) {
      // Once, not per message: a client delivering the wrong thing would make the figures moot.
      checked = true;
      const got = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (got !== size || (typeof data === 'string') !== (typeof payload === 'string')) {
        throw new Error(`${client.name}: echo of ${size} bytes came back as ${got} (${typeof data})`);
      }
    }
    received++;
    if (sending) conn.send(payload);
  });
  for (let i = 0; i < window; i++) conn.send(payload);

  await sleep(ctx.warmupMs);
  const r0 = received;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(ctx.durationMs);
  const r1 = received;
  const cpu = process.cpuUsage(c0);
  const elapsedUs = Number(process.hrtime.bigint() - t0) / 1e3;
  sending = false;
  await conn.close();

  const messages = r1 - r0;
  const cpuUs = cpu.user + cpu.system;
  return {
    msgPerSec: messages / (elapsedUs / 1e6),
    // Payload bytes received per second (the same again went out).
    mbPerSec: (messages * size) / (elapsedUs / 1e6) / 1e6,
    cpuUsPerMsg: cpuUs / messages,
    cpuUtil: cpuUs / elapsedUs,
    // Where the client's CPU went: its own code (user) or the kernel (system: syscalls, and on
    // loopback the TCP work of the packets it writes).
    userUsPerMsg: cpu.user / messages,
    systemUsPerMsg: cpu.system / messages,
    messages,
  };
}
