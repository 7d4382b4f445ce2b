// Send backpressure in a browser: no drain event, so the gate polls bufferedAmount while closed.
import { filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { writableOf, backpressure, sendAll, webSocket } from 'rxws';
import { registerTests } from './runtime.js';

registerTests({
  async gatedSend(input: { url: string; count: number; size: number; high: number; low: number }) {
    const subject = webSocket<Uint8Array, unknown>({
      url: input.url,
      serializer: (bytes) => bytes,
      deserializer: (event) => event.data,
      backpressure: backpressure({ highWaterMark: input.high, lowWaterMark: input.low, pollInterval: 10 }),
    });
    const writable: boolean[] = [];
    // The gate's first close is told to the server over a second connection (the first is backed
    // up): the server resumes reading then, whatever the machine's load, not after a fixed time.
    let told = false;
    const tellGated = (): void => {
      told = true;
      const control = new WebSocket(input.url);
      control.onopen = () => {
        control.send('gated');
        control.close();
      };
    };
    const writableSub = writableOf(subject).subscribe((w) => {
      writable.push(w);
      if (!w && !told) tellGated();
    });
    const keepOpen = subject.subscribe({ error: () => {} });
    let pulled = 0;
    let maxBuffered = 0;
    let pulledWhenFirstGated = -1;
    // A lazy producer (a generator), so the gate can pull it no faster than the network drains.
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < input.count; i++) {
        pulled++;
        const bytes = new Uint8Array(input.size);
        bytes[0] = i & 0xff;
        bytes[1] = (i >> 8) & 0xff;
        yield bytes;
      }
    }
    const probe = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, subject.bufferedAmount);
      if (pulledWhenFirstGated < 0 && writable.includes(false)) pulledWhenFirstGated = pulled;
    }, 2);
    const written = await lastValueFrom(sendAll(subject, source()));
    clearInterval(probe);
    // The gate reopens once the last writes drain (at most 10 s; the Node side's checks show the rest).
    await firstValueFrom(writableOf(subject).pipe(filter((w) => w), timeout(10_000))).catch(() => undefined);
    writableSub.unsubscribe();
    keepOpen.unsubscribe();
    return { written, pulled, pulledWhenFirstGated, maxBuffered, writable };
  },
});
