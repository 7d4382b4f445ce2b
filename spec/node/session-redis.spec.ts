// redisSessionStore() on a real redis-server (Debian's package, started for this file): the
// SessionStore contract (shared with the memory store), what only Redis does (key layout and time
// to live, the pub/sub connection, scripts Redis forgot), and acceptSessions() on two servers
// sharing one Redis (a drop from A, a resume on B; expiry). The fleet of real processes:
// session-fleet.spec.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { acceptSessions, type SessionStore, type SessionStoreEvent } from 'rxws/node';
import { redisSessionStore } from 'rxws/node/redis';
import { storeContract } from './session-store-contract.js';
import { SessionClient, Sessions, startWss, stateOf, until, useSessionTeardown } from './session-helpers.js';
import { startRedisServer, type RedisServer } from './fleet/redis-server.js';

useSessionTeardown();

let redis: RedisServer;
const clients: Redis[] = [];
/** A new ioredis client of the test Redis (disconnected after the file). */
const connect = (): Redis => {
  const client = new Redis(redis.port, '127.0.0.1', { lazyConnect: false });
  clients.push(client);
  return client;
};
/** node-redis clients (the other client the store accepts), quit after the file. */
const nodeRedisClients: { quit(): Promise<unknown> }[] = [];
const connectNodeRedis = async () => {
  const client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
  nodeRedisClients.push(client);
  await client.connect();
  return client;
};
let admin: Redis;
let prefixes = 0;
/** A prefix no other test uses. */
const freshPrefix = (): string => `rxws:test:${++prefixes}:`;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = connect();
}, 30_000);
/** The unwatch functions of the store watches a test made directly. */
const watches: (() => void)[] = [];
/** Every acceptSessions() subscription of the test: its sessions end (close 1000) after it. */
const accepted: Sessions[] = [];
const accept = (...args: Parameters<typeof acceptSessions>): Sessions => {
  const sessions = new Sessions(acceptSessions(...args));
  accepted.push(sessions);
  return sessions;
};
afterEach(async () => {
  const sessions = accepted.splice(0).flatMap((each) => {
    each.subscription.unsubscribe();
    return each.all;
  });
  for (const session of sessions) session.close();
  for (const unwatch of watches.splice(0)) unwatch();
  // Every session ended (its last store calls answered) and every store's pub/sub connection
  // closed: nothing of this test talks to Redis in the next one, or after the file.
  await until(() => sessions.every((session) => session.closed), 10_000, 'the sessions to end');
  await eventually(async () => (await connections()) === clients.length + nodeRedisClients.length, 'the pub/sub connections to close');
});
afterAll(async () => {
  // quit: after the replies to what was sent (the sessions' last store calls).
  await Promise.all([...clients, ...nodeRedisClients].map((client) => client.quit().catch(() => undefined)));
  await redis?.stop();
});

/** Waits until `predicate` (asked of Redis) holds, up to 10 s. */
async function eventually(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > 10_000) throw new Error(`Timed out after 10 s waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Connections the Redis has now (CLIENT LIST). */
const connections = async (): Promise<number> => String(await admin.call('CLIENT', 'LIST')).trim().split('\n').length;

// The first watch of a session subscribes its channel, and then signals one 'published' (a hint to
// look at the inbox, for what was published before the subscription took effect): awaited and left out.
const watched = new WeakMap<SessionStore, Map<string, number>>();
async function watchHinted(store: SessionStore, id: string, events: SessionStoreEvent[]): Promise<() => void> {
  const counts = watched.get(store) ?? new Map<string, number>();
  watched.set(store, counts);
  const first = !counts.get(id);
  counts.set(id, (counts.get(id) ?? 0) + 1);
  let hinted = !first;
  const unwatch = store.watch(id, (event) => {
    if (!hinted && event.type === 'published') hinted = true;
    else events.push(event);
  });
  await until(() => hinted, 5000, 'the subscription');
  let watching = true;
  const stop = (): void => {
    if (!watching) return;
    watching = false;
    counts.set(id, (counts.get(id) ?? 1) - 1);
    unwatch();
  };
  watches.push(stop);
  return stop;
}

storeContract('redisSessionStore() with ioredis', {
  make: () => redisSessionStore({ client: connect(), prefix: freshPrefix() }),
  watch: watchHinted,
});

storeContract('redisSessionStore() with node-redis', {
  make: async () => redisSessionStore({ client: await connectNodeRedis(), prefix: freshPrefix() }),
  watch: watchHinted,
});

describe('redisSessionStore() on Redis', () => {
  it('keeps a session as a hash and two lists under the prefix, with a time to live: held, without a connection, ended', async () => {
    const prefix = freshPrefix();
    const store = redisSessionStore({ client: connect(), prefix, heldTtl: 600_000 });
    await store.create({ id: 'k1', identity: 'alice', received: 0, sent: 0, replay: [], expiresAt: null }, 'h1');
    await store.update('k1', 'h1', { append: [{ seq: 1, payload: 'hi' }], received: 3 });
    await store.publish('k1', 'queued');
    const hash = `${prefix}{k1}`;
    expect(await admin.hgetall(hash)).toEqual({ holder: 'h1', identity: '=alice', received: '3', sent: '1', expiresAt: '' });
    expect(await admin.lrange(`${hash}:replay`, 0, -1)).toEqual(['1:thi']);
    expect(await admin.lrange(`${hash}:inbox`, 0, -1)).toEqual(['tqueued']);
    for (const key of [hash, `${hash}:replay`, `${hash}:inbox`]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(500_000); // heldTtl from the last change
      expect(ttl).toBeLessThanOrEqual(600_000);
    }
    const expiresAt = Date.now() + 5_000;
    await store.update('k1', 'h1', { expiresAt });
    const ttl = await admin.pttl(hash);
    expect(ttl).toBeGreaterThan(5_000); // expiresAt plus a grace minute
    expect(ttl).toBeLessThanOrEqual(65_000);
    await store.end('k1');
    expect(await admin.exists(hash, `${hash}:replay`, `${hash}:inbox`)).toBe(0);
  });

  it('Redis forgets a held session after heldTtl without a change (the backstop): a claim then answers undefined', async () => {
    const prefix = freshPrefix();
    const store = redisSessionStore({ client: connect(), prefix, heldTtl: 50 });
    await store.create({ id: 'k2', identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, 'h1');
    await eventually(async () => (await admin.exists(`${prefix}{k2}`)) === 0, 'Redis to expire the key');
    expect(await store.claim('k2', 'h2', null, Date.now())).toBeUndefined();
  });

  it('subscribes on one duplicate connection while any session is watched, and closes it after the last unwatch', async () => {
    const store = redisSessionStore({ client: connect(), prefix: freshPrefix() });
    await store.create({ id: 'w1', identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, 'h1');
    await store.create({ id: 'w2', identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, 'h1');
    const before = await connections();
    const events: SessionStoreEvent[] = [];
    const unwatch1 = store.watch('w1', (e) => events.push(e));
    const unwatch2 = store.watch('w2', (e) => events.push(e));
    await until(() => events.length === 2, 5000, 'both subscriptions'); // one hint each
    expect(await connections()).toBe(before + 1);
    unwatch1();
    await store.publish('w1', 'x');
    await store.publish('w2', 'y');
    await until(() => events.length === 3, 5000, "w2's event");
    unwatch2();
    await eventually(async () => (await connections()) === before, 'the subscriber connection to close');
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH: EVALSHA fails with NOSCRIPT, then EVAL)', async () => {
    const store = redisSessionStore({ client: connect(), prefix: freshPrefix() });
    await store.create({ id: 'f1', identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, 'h1');
    await admin.script('FLUSH');
    expect(await store.update('f1', 'h1', { received: 1 })).toBe(true);
    expect(await store.claim('f1', 'h1', null, Date.now())).toMatchObject({ received: 1 });
  });

  it('two stores on two connections (two processes): a claim on one tells the other, a publish on one reaches the other', async () => {
    const prefix = freshPrefix();
    const a = redisSessionStore({ client: connect(), prefix });
    const b = redisSessionStore({ client: connect(), prefix });
    await a.create({ id: 't1', identity: null, received: 0, sent: 0, replay: [], expiresAt: null }, 'holder-a');
    const atA: SessionStoreEvent[] = [];
    watches.push(a.watch('t1', (e) => atA.push(e)));
    await until(() => atA.length === 1, 5000, 'the subscription');
    expect(await b.claim('t1', 'holder-b', null, Date.now())).toMatchObject({ id: 't1' });
    await until(() => atA.length === 2, 5000, 'claimed');
    expect(atA[1]).toEqual({ type: 'claimed', holder: 'holder-b' });
    expect(await a.update('t1', 'holder-a', { received: 1 })).toBe(false); // a lost it
    await a.publish('t1', 'from a');
    expect(await b.readInbox('t1', 'holder-b', 0)).toEqual(['from a']);
  });

  it('refuses bad options with a TypeError naming them', () => {
    expect(() => redisSessionStore(undefined as never)).toThrow(/redisSessionStore\(\): expects \{ client/);
    expect(() => redisSessionStore({ client: {} as never })).toThrow(/'client' must be an ioredis client or a node-redis/);
    expect(() => redisSessionStore({ client: connect(), prefix: 3 as never })).toThrow(/'prefix' must be a string/);
    expect(() => redisSessionStore({ client: connect(), heldTtl: 0 })).toThrow(/'heldTtl' must be a whole number/);
  });
});

describe('acceptSessions() on two servers sharing one Redis', () => {
  it('a client that drops from A resumes on B with nothing lost; next() on A while the client is on B reaches it', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await startWss(), await startWss()];
    const atA = accept(a.wss, { store: redisSessionStore({ client: connect(), prefix }), ackInterval: 60_000 });
    const atB = accept(b.wss, { store: redisSessionStore({ client: connect(), prefix }) });
    const first = await SessionClient.start(a.url);
    const onA = await atA.next();
    first.client.data(1, 0, '"c1"');
    first.client.data(2, 0, '"c2"');
    expect(await atA.receive(onA, 2)).toEqual(['c1', 'c2']);
    onA.next('s1');
    onA.next('s2');
    expect(await first.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"s1"' });
    expect(await first.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"s2"' });
    first.client.data(3, 1, '"c3"'); // acknowledges s1 only; c3 may or may not arrive
    await first.client.drop();
    await stateOf(onA, 'disconnected');
    onA.next('s3'); // while away

    const second = await SessionClient.start(b.url, first.welcome.session, 2);
    expect(second.welcome.kind).toBe('resumed');
    const received = second.welcome.received; // 2 or 3
    const onB = await atB.next();
    expect(onB.id).toBe(onA.id);
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 3, payload: '"s3"' }); // s2 was acknowledged by the hello
    for (let seq = received + 1; seq <= 4; seq++) second.client.data(seq, 3, `"c${seq}"`);
    // c3, when A saved it before B's claim, is delivered on A (perhaps after B's first deliveries: two connections to Redis).
    await until(() => atA.receivedBy(onA).length + atB.receivedBy(onB).length >= 4, 10_000, 'the four client messages');
    expect([...atA.receivedBy(onA), ...atB.receivedBy(onB)]).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(atB.receivedBy(onB)).toHaveLength(4 - received);
    onA.next('s4'); // A's Session no longer holds it: routed through Redis to B
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 4, payload: '"s4"' });
    onB.next('s5');
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 5, payload: '"s5"' });
    expect(onA.state).toBe('disconnected');
    onB.close(); // ends it everywhere
    await stateOf(onA, 'disconnected');
    await until(() => onA.closed, 5000, "A's Session to end");
    expect(await admin.exists(`${prefix}{${onA.id}}`)).toBe(0);
  });

  it("expiry: after expireAfter without a connection the session ends on both servers, Redis forgets it, and a resume gets 'new'", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await startWss(), await startWss()];
    const atA = accept(a.wss, { store: redisSessionStore({ client: connect(), prefix }), expireAfter: 100 });
    const atB = accept(b.wss, { store: redisSessionStore({ client: connect(), prefix }), expireAfter: 100 });
    const first = await SessionClient.start(a.url);
    const onA = await atA.next();
    await first.client.drop();
    const second = await SessionClient.start(b.url, first.welcome.session, 0);
    const onB = await atB.next();
    await second.client.drop();
    await Promise.all([stateOf(onA, 'expired'), stateOf(onB, 'expired')]);
    expect(await admin.exists(`${prefix}{${onA.id}}`)).toBe(0);
    const third = await SessionClient.start(a.url, first.welcome.session, 0);
    expect(third.welcome.kind).toBe('new');
    expect(third.welcome.session).not.toBe(first.welcome.session);
  });
});

describe('loading', () => {
  /** The lib/ modules `entry` reaches through relative imports, and the packages it imports. */
  function reach(entry: string): { modules: Set<string>; packages: Set<string> } {
    const modules = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (modules.has(file)) return;
      modules.add(file);
      const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''); // code only
      for (const [, spec] of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (spec!.startsWith('.')) visit(join(file, '..', spec!.replace(/\.js$/, '.ts')));
        else packages.add(spec!);
      }
    };
    visit(join(__dirname, '..', '..', 'lib', entry));
    return { modules, packages };
  }

  it('rxws and rxws/node never reach rxws/node/redis, ioredis or redis; rxws/node/redis imports no Redis client either', () => {
    for (const entry of ['index.ts', 'node/index.ts']) {
      const { modules, packages } = reach(entry);
      expect([...modules].filter((m) => m.includes('/node/redis/'))).toEqual([]);
      expect([...packages].filter((p) => /^(ioredis|redis|@redis\/)/.test(p))).toEqual([]);
    }
    const redisEntry = reach('node/redis/index.ts');
    expect([...redisEntry.modules].some((m) => m.endsWith('redis-store.ts'))).toBe(true);
    expect([...redisEntry.packages].filter((p) => /^(ioredis|redis|@redis\/)/.test(p))).toEqual([]); // the application's client is used as given
  });
});
