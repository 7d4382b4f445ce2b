// The OpenTelemetry recipe of docs/observability.md, as the doc gives it, against real servers
// (rxws/testing) and the SDK's in-memory exporter: one span per connection, its open, reconnect
// and drop events, its close attributes and error status.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { webSocket, reconnect, type LifecycleEvent } from 'rxws';
import { createTestServer, useTestServers } from 'rxws/testing';
import { record, until } from '../subject/helpers.js';

useTestServers();

// ---- the recipe (docs/observability.md) --------------------------------------------------------

/** Traces every rxws connection of the process with `tracer`; returns the function that stops. */
export function traceWebSockets(tracer: Tracer): () => void {
  const spans = new Map<number, Span>();
  const event = (e: LifecycleEvent, name: string, attributes: Attributes): void => void spans.get(e.id)?.addEvent(name, attributes);
  const handlers: { [T in LifecycleEvent['type']]: (e: LifecycleEvent<T>) => void } = {
    connect: (e) => {
      spans.set(e.id, tracer.startSpan('websocket', { kind: SpanKind.CLIENT, attributes: { 'url.full': e.url, 'rxws.connection.id': e.id } }));
    },
    open: (e) => event(e, 'open', { 'websocket.protocol': e.protocol, 'websocket.extensions': e.extensions, 'rxws.handshake_ms': e.handshakeMs }),
    error: (e) => {
      const span = spans.get(e.id);
      span?.recordException(e.cause instanceof Error ? e.cause : String(e.cause));
      span?.setStatus({ code: SpanStatusCode.ERROR, message: e.cause instanceof Error ? e.cause.message : String(e.cause) });
    },
    close: (e) => {
      const span = spans.get(e.id);
      if (span === undefined) return;
      span.setAttributes({ 'websocket.close.code': e.code, 'websocket.close.reason': e.reason, 'websocket.close.clean': e.wasClean, 'websocket.close.by': e.by });
      if (!e.wasClean) span.setStatus({ code: SpanStatusCode.ERROR, message: `closed with ${e.code} (${e.by})` });
      // A reconnect is published right after its close, in the same task: let it land on this span.
      queueMicrotask(() => {
        span.end();
        spans.delete(e.id);
      });
    },
    reconnect: (e) => event(e, 'reconnect', { 'rxws.reconnect.attempt': e.attempt, 'rxws.reconnect.delay_ms': e.delay, 'rxws.reconnect.reason': e.reason }),
    drop: (e) => event(e, 'drop', { 'rxws.drop.reason': e.reason }),
  };
  const listeners = Object.entries(handlers).map(([type, handle]) => {
    const listener = (message: unknown): void => (handle as (e: LifecycleEvent) => void)(message as LifecycleEvent);
    subscribe(`rxws:${type}`, listener);
    return () => unsubscribe(`rxws:${type}`, listener);
  });
  return () => {
    listeners.forEach((stop) => stop());
    spans.forEach((span) => span.end());
    spans.clear();
  };
}

// ---- its test -----------------------------------------------------------------------------------

function tracing(): { exporter: InMemorySpanExporter; stop: () => Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const stopTracing = traceWebSockets(provider.getTracer('rxws-spec'));
  return {
    exporter,
    stop: async () => {
      stopTracing();
      await provider.shutdown();
    },
  };
}

test('a span per connection: open and reconnect events, the close as attributes, an unclean close as an error', async () => {
  const { exporter, stop } = tracing();
  try {
    const server = await createTestServer({ json: true, protocols: ['chat.v1'] });
    const ws$ = webSocket<string>({ url: server.url, protocol: 'chat.v1' });
    const r = record(ws$.pipe(reconnect({ initialDelay: 10, maxDelay: 40 })));
    const first = await server.nextConnection();
    await until(() => ws$.state === 'open', 5000, 'open');
    first.drop(); // lost: 1006, no close frame
    await server.nextConnection({ timeout: 5000 });
    await until(() => ws$.state === 'open', 5000, 'open again');
    r.subscription.unsubscribe(); // the client's close, 1000
    await until(() => exporter.getFinishedSpans().filter((s) => s.attributes['url.full'] === server.url).length === 2, 5000, 'two spans');
    const [lost, closed] = exporter.getFinishedSpans().filter((s) => s.attributes['url.full'] === server.url);
    expect(lost!.name).toBe('websocket');
    expect(lost!.kind).toBe(SpanKind.CLIENT);
    expect(lost!.attributes).toMatchObject({ 'websocket.close.code': 1006, 'websocket.close.clean': false, 'websocket.close.by': 'network' });
    expect(lost!.status.code).toBe(SpanStatusCode.ERROR);
    expect(lost!.events.map((e) => e.name)).toEqual(expect.arrayContaining(['open', 'reconnect']));
    expect(lost!.events.find((e) => e.name === 'open')!.attributes).toMatchObject({ 'websocket.protocol': 'chat.v1' });
    expect(lost!.events.find((e) => e.name === 'reconnect')!.attributes).toMatchObject({ 'rxws.reconnect.attempt': 1, 'rxws.reconnect.reason': 'backoff' });
    expect(closed!.attributes).toMatchObject({ 'websocket.close.code': 1000, 'websocket.close.clean': true, 'websocket.close.by': 'client' });
    expect(closed!.status.code).toBe(SpanStatusCode.UNSET);
    expect(closed!.attributes['rxws.connection.id']).not.toBe(lost!.attributes['rxws.connection.id']);
  } finally {
    await stop();
  }
});

test('a refused handshake: the span records the error and ends with an error status', async () => {
  const { exporter, stop } = tracing();
  try {
    const server = await createTestServer({ json: true });
    server.refuseNext(1, 503);
    const r = record(webSocket<string>({ url: server.url }));
    await r.done;
    await until(() => exporter.getFinishedSpans().some((s) => s.attributes['url.full'] === server.url), 5000, 'the span');
    const span = exporter.getFinishedSpans().find((s) => s.attributes['url.full'] === server.url)!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.attributes).toMatchObject({ 'websocket.close.code': 1006, 'websocket.close.by': 'network' });
  } finally {
    await stop();
  }
});
