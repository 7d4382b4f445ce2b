// The main job in one run: an embedded WebSocket server on 127.0.0.1 (rxws/testing's loopback
// server, scripted to answer a small price protocol) and an rxws client — the connection as an
// RxJS Subject, kept up by reconnect() — that subscribes, survives a server restart and a dropped
// connection, and closes with 1000. `npm run demo` builds the package first and runs this file against dist/.
import { take } from 'rxjs';
import { reconnect, webSocket } from 'rxws';
import { createTestServer } from 'rxws/testing';

const log = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args);

// The server: {subscribe: symbol} → three ticks for that symbol.
const server = await createTestServer({ json: true });
server.on((m) => m?.subscribe !== undefined).reply((m, connection) => {
  for (let i = 1; i <= 3; i++) connection.send({ symbol: m.subscribe, price: 100 + i, connection: connection.id });
});
log(`server listening on ${server.url}`);

// The client: JSON in, JSON out; `next()` before open is queued, not lost.
const prices = webSocket({ url: `${server.url}/prices` });
prices.status$.subscribe((s) =>
  log(`state: ${s.state}${s.state === 'reconnecting' ? ` (attempt ${s.attempt} in ${Math.round(s.delay)} ms, after ${s.cause.kind} ${s.cause.code ?? ''})` : ''}`),
);
prices.close$.subscribe((e) => log(`close event: code ${e.code}${e.reason ? ` '${e.reason}'` : ''}, clean ${e.wasClean}`));

let ticks = 0;
const done = new Promise((resolve) => {
  prices
    .pipe(
      // Full-jitter backoff per attempt; 1012 and 1006 are retried, the client's own close is not.
      reconnect({ initialDelay: 100, maxDelay: 400 }),
      take(9),
    )
    .subscribe({
      next: (tick) => {
        log('tick', JSON.stringify(tick));
        ticks++;
        if (ticks === 3) server.restart(); // 1012 Service Restart, then listening again on the same port
        if (ticks === 6) server.connections.at(-1).drop(); // no close frame: the client sees 1006
      },
      complete: resolve,
    });
});

// Re-subscribe to the feed on every connection (before this, a message is queued until open).
prices.open$.subscribe(() => prices.next({ subscribe: 'RXWS' }));

await done;
log(`got ${ticks} ticks over ${server.connections.length} connections`);
const last = server.connections.at(-1);
log(`the server saw the last close as ${(await last.waitForClose()).code} (take(9) unsubscribed: 1000, not 1005)`);
await server.close();
