// The subject layer in a page (and in a Worker): what each test did, step by step, comes back
// as a report the Node side asserts on.
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { webSocket, WebSocketCloseError } from 'rxws';
import { registerTests } from './runtime.js';

registerTests({
  async json(input: { url: string }) {
    const subject = webSocket<{ n: number }, { echo: { n: number } }>(input.url);
    const states: string[] = [];
    const stateSub = subject.state$.subscribe((s) => states.push(s));
    const replies = firstValueFrom(subject.pipe(take(3), toArray()));
    for (let n = 1; n <= 3; n++) subject.next({ n }); // queued until open
    const got = await replies;
    // The last unsubscribe closes with 1000: wait for the close to finish (state$ says so; at most
    // 10 s, after which the Node side's check of the states shows what happened).
    await firstValueFrom(subject.state$.pipe(filter((s) => s === 'closed'), timeout(10_000))).catch(() => undefined);
    stateSub.unsubscribe();
    return { got, states, native: typeof WebSocket === 'function' };
  },

  async binary(input: { url: string; binaryType: 'arraybuffer' | 'blob' }) {
    const subject = webSocket<ArrayBuffer | Uint8Array, ArrayBuffer | Blob>({
      url: input.url,
      binaryType: input.binaryType,
      serializer: (value) => value,
      deserializer: (event) => event.data as ArrayBuffer | Blob,
    });
    const reply = firstValueFrom(subject);
    subject.next(new Uint8Array([1, 2, 3, 250]));
    const data = await reply;
    const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : new Uint8Array(data);
    return { type: data instanceof Blob ? 'Blob' : Object.prototype.toString.call(data), bytes: [...bytes] };
  },

  async closeCodes(input: { url: string }) {
    const subject = webSocket<string, string>({ url: input.url, serializer: (v) => v, deserializer: (e) => String(e.data) });
    const outcome = await new Promise<unknown>((resolve) => {
      subject.subscribe({
        error: (e: unknown) => resolve(e instanceof WebSocketCloseError ? { error: 'WebSocketCloseError', code: e.code, reason: e.reason, wasClean: e.wasClean } : { error: String(e) }),
        complete: () => resolve({ complete: true }),
      });
      subject.next('please close');
    });
    return outcome;
  },
});
