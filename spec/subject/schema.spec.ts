// Typed, validated messages (issue #19 item 5): validated(schema) as the deserializer, with zod
// and valibot (dev dependencies only), against a real server (rxws/testing).
import { SchemaError, validated, webSocket, type StandardSchema, type WebSocketSubject } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { z } from 'zod';
import * as v from 'valibot';
import { record, until } from './helpers.js';

useTestServers();

type Price = { symbol: string; price: number };

const schemas: Array<[string, StandardSchema<Price>]> = [
  ['zod', z.object({ symbol: z.string(), price: z.number() })],
  ['valibot', v.object({ symbol: v.string(), price: v.number() })],
];

describe.each(schemas)('%s', (_name, Price) => {
  test('valid messages reach subscribers typed; a failing one goes to decodeError$ with the issues, the connection carries on', async () => {
    const server = await createTestServer({ json: true });
    const prices$ = webSocket({ url: server.url, deserializer: validated(Price) });
    const typed: WebSocketSubject<unknown, Price> = prices$; // Out inferred from the schema
    const errors: unknown[] = [];
    prices$.decodeError$.subscribe(({ error }) => errors.push(error));
    const r = record(typed);
    const connection = await server.nextConnection();
    connection.send({ symbol: 'ACME', price: 12.5 });
    connection.send({ symbol: 'ACME', price: 'twelve' });
    connection.send({ symbol: 'INIT', price: 3 });
    await until(() => r.values.length === 2);
    expect(r.values).toEqual([
      { symbol: 'ACME', price: 12.5 },
      { symbol: 'INIT', price: 3 },
    ]);
    expect(errors).toHaveLength(1);
    const error = errors[0] as SchemaError;
    expect(error).toBeInstanceOf(SchemaError);
    expect(error.value).toEqual({ symbol: 'ACME', price: 'twelve' });
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues[0]!.message).toEqual(expect.any(String));
    expect(JSON.stringify(error.issues[0]!.path)).toContain('price');
    expect(r.notes.filter((n) => n.kind !== 'N')).toEqual([]);
    expect(connection.isOpen).toBe(true);
    r.subscription.unsubscribe();
  });

  test("onDecodeError: 'error' makes a failing message fatal, as a deserializer error", async () => {
    const server = await createTestServer({ json: true });
    const prices$ = webSocket({ url: server.url, deserializer: validated(Price), onDecodeError: 'error' });
    const r = record(prices$);
    const connection = await server.nextConnection();
    connection.send({ symbol: 1 });
    const done = await r.done;
    expect((done as { error: unknown }).error).toBeInstanceOf(SchemaError);
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000 });
  });
});

test('a custom deserialize step runs first (e.g. binary frames); the schema transforms are applied', async () => {
  const server = await createTestServer();
  const Tick = z.object({ at: z.string().transform((s) => new Date(s)) });
  const ticks$ = webSocket({ url: server.url, binaryType: 'arraybuffer', deserializer: validated(Tick, (e) => JSON.parse(new TextDecoder().decode(e.data as ArrayBuffer))) });
  const r = record(ticks$);
  const connection = await server.nextConnection();
  connection.send(Buffer.from(JSON.stringify({ at: '2026-12-07T12:00:00Z' })));
  await until(() => r.values.length === 1);
  expect(r.values[0]!.at).toBeInstanceOf(Date);
  expect(r.values[0]!.at.toISOString()).toBe('2026-12-07T12:00:00.000Z');
  r.subscription.unsubscribe();
});

test('an asynchronous schema fails each message with a TypeError on decodeError$; a non-schema is refused', async () => {
  const server = await createTestServer({ json: true });
  const Async = z.object({ n: z.number() }).refine(async () => true);
  const ws$ = webSocket({ url: server.url, deserializer: validated(Async) });
  const errors: unknown[] = [];
  ws$.decodeError$.subscribe(({ error }) => errors.push(error));
  const r = record(ws$);
  (await server.nextConnection()).send({ n: 1 });
  await until(() => errors.length === 1);
  expect(errors[0]).toMatchObject({ name: 'TypeError', message: expect.stringMatching(/asynchronously/) });
  expect(r.values).toEqual([]);
  r.subscription.unsubscribe();
  expect(() => validated({} as never)).toThrow(/validated\(\): expected a Standard Schema/);
});
