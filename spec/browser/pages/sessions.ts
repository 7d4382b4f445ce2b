// The browser consumer of docs/sessions.md's worked example: a resumable session that survives
// the server's restart without losing or repeating a message, either way.
import { webSocket, reconnect } from 'rxws';
import { resumable } from 'rxws/session';
import { registerTests } from './runtime.js';

const until = async (predicate: () => boolean, ms = 15_000): Promise<void> => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Tick {
  readonly tick: number;
}

registerTests({
  // Receives `count` ticks; says hello once connected, and once more while the server is away.
  async consume(input: { url: string; count: number }) {
    const prices = webSocket<{ hello: number }, Tick>({ url: input.url, session: resumable() });
    const kinds: string[] = [];
    prices.session$.subscribe((s) => kinds.push(s.kind));
    const states: string[] = [];
    prices.state$.subscribe((s) => states.push(s));
    const ticks: number[] = [];
    const subscription = prices.pipe(reconnect({ initialDelay: 50, maxDelay: 200 })).subscribe((m) => ticks.push(m.tick));
    prices.next({ hello: 1 });
    await until(() => states.includes('reconnecting'));
    prices.next({ hello: 2 }); // while away: sent once the session resumes
    await until(() => ticks.length >= input.count);
    subscription.unsubscribe();
    return { ticks, kinds };
  },
});
