// Reconnect, heartbeat, multiplexed topics and connectivity events, in a page or a Worker.
import { multiplex, heartbeat, webSocket, reconnect, type ReconnectCause } from 'rxws';
import { registerTests } from './runtime.js';

const until = async (predicate: () => boolean, ms = 8000): Promise<void> => {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

registerTests({
  // The server restarts after answering n=1; the client reconnects and sends n=2 on the new connection.
  async restart(input: { url: string }) {
    const subject = webSocket<{ n: number }, { echo: number }>(input.url);
    const states: string[] = [];
    subject.state$.subscribe((s) => states.push(s));
    const got: number[] = [];
    const causes: string[] = [];
    const sub = subject
      .pipe(reconnect({ initialDelay: 50, maxDelay: 200, shouldReconnect: (cause: ReconnectCause) => (causes.push(`${cause.kind}:${cause.code}`), true) }))
      .subscribe((m) => got.push(m.echo));
    subject.next({ n: 1 });
    await until(() => got.length === 1);
    await until(() => states.includes('reconnecting'));
    subject.next({ n: 2 }); // while disconnected: queued, sent on the next connection
    await until(() => got.length === 2);
    sub.unsubscribe();
    return { got, states: [...new Set(states)], causes };
  },

  // App-level heartbeat: the server answers pings, then stalls; the client notices and reconnects.
  async heartbeat(input: { url: string }) {
    const subject = webSocket<{ type: string }, { type: string }>({
      url: input.url,
      heartbeat: heartbeat({ interval: 100, timeout: 200, ping: () => ({ type: 'ping' }), isPong: (m) => m.type === 'pong' }),
    });
    const causes: string[] = [];
    const got: string[] = [];
    let opens = 0;
    subject.open$.subscribe(() => opens++);
    const sub = subject
      .pipe(reconnect({ initialDelay: 20, maxDelay: 50, shouldReconnect: (cause: ReconnectCause) => (causes.push(cause.kind), true) }))
      .subscribe((m) => got.push(m.type));
    await until(() => opens >= 2);
    sub.unsubscribe();
    return { causes, got, opens };
  },

  // Two topics, several subscribers each; the server restarts; every topic is resubscribed once,
  // before the queued message, and subscribers keep receiving without resubscribing.
  async topics(input: { url: string }) {
    type In = { type: 'sub' | 'unsub' | 'say'; topic?: string; text?: string };
    type Out = { topic: string; data: string };
    const subject = webSocket<In, Out>(input.url);
    const states: string[] = [];
    const stateSub = subject.state$.subscribe((s) => states.push(s));
    const keep = subject.pipe(reconnect({ initialDelay: 50, maxDelay: 100 })).subscribe();
    // Separate multiplex() calls for one topic share one server subscription through their key.
    const topic = (name: string) =>
      multiplex(subject, () => ({ type: 'sub', topic: name }), () => ({ type: 'unsub', topic: name }), (m) => m.topic === name, { key: name });
    const got: Record<string, string[]> = { a: [], b: [] };
    const subs = [
      topic('a').subscribe((m) => got.a!.push(m.data)),
      topic('b').subscribe((m) => got.b!.push(m.data)),
    ];
    const a = topic('a');
    subs.push(a.subscribe(), a.subscribe());
    try {
      await until(() => got.a!.length >= 1 && got.b!.length >= 1);
      await until(() => states.includes('reconnecting'));
      subject.next({ type: 'say', text: 'queued while down' });
      await until(() => got.a!.length >= 2 && got.b!.length >= 2);
    } catch (error) {
      throw new Error(`${String(error)}; got ${JSON.stringify(got)}; states ${states.join(',')}`);
    }
    for (const s of subs) s.unsubscribe();
    stateSub.unsubscribe();
    await until(() => subject.bufferedAmount === 0); // the unsubs are on the wire before the close
    keep.unsubscribe();
    return { got };
  },

  // Connectivity, driven by the browser itself (the test takes the context offline and back):
  // no attempt while offline, and one at once when the browser is online again.
  async offline(input: { url: string }) {
    const subject = webSocket<string, string>({ url: input.url, serializer: (v) => v, deserializer: (e) => String(e.data) });
    const marks: string[] = [];
    const scope = globalThis as unknown as EventTarget;
    scope.addEventListener('offline', () => marks.push('offline'));
    scope.addEventListener('online', () => marks.push('online'));
    subject.state$.subscribe((s) => marks.push(s));
    let opens = 0;
    subject.open$.subscribe(() => opens++);
    const sub = subject.pipe(reconnect({ initialDelay: 30, maxDelay: 30 })).subscribe({ error: () => {} });
    try {
      await until(() => opens === 2, 10_000);
    } catch (error) {
      throw new Error(`${String(error)}; marks ${marks.join(',')}; onLine ${String((globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine)}`);
    }
    sub.unsubscribe();
    const offlineAt = marks.indexOf('offline');
    const onlineAt = marks.indexOf('online');
    const whileOffline = marks.slice(offlineAt + 1, onlineAt < 0 ? undefined : onlineAt);
    return { opens, marks, attemptsWhileOffline: whileOffline.filter((m) => m === 'connecting').length, sawEvents: offlineAt >= 0 && onlineAt > offlineAt };
  },

  // Connectivity: while the backoff is long, an `online` event retries at once.
  async online(input: { url: string }) {
    const subject = webSocket<string, string>({ url: input.url, serializer: (v) => v, deserializer: (e) => String(e.data) });
    let opens = 0;
    subject.open$.subscribe(() => opens++);
    const states: string[] = [];
    subject.state$.subscribe((s) => states.push(s));
    const sub = subject.pipe(reconnect({ initialDelay: 60_000, maxDelay: 60_000, jitter: 'none' })).subscribe({ error: () => {} });
    await until(() => opens === 1);
    await until(() => states.includes('reconnecting')); // the server dropped us; the next try is a minute away
    const waitingSince = Date.now();
    (globalThis as unknown as EventTarget).dispatchEvent(new Event('online'));
    await until(() => opens === 2, 10_000);
    const tookMs = Date.now() - waitingSince;
    sub.unsubscribe();
    return { opens, tookMs, states: [...new Set(states)] };
  },
});
