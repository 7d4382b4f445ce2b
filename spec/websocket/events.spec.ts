// The events a WebSocket fires are the platform's classes (HTML, WebSockets standard), and rxws's
// exported event classes have their whole interfaces.
import { CloseEvent, ErrorEvent, MessageEvent } from 'rxws';
import { useTestServers } from 'rxws/testing';
import { connect } from '../helpers/client.js';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations } from '../helpers/implementations.js';

useTestServers();

const tag = (value: unknown): string => Object.prototype.toString.call(value);

describe.each(implementations)('the events a WebSocket fires ($name)', ({ WebSocket }) => {
  it('a message event is a MessageEvent down to Object.prototype.toString, neither bubbling nor cancelable, with read-only attributes', async () => {
    const { socket, connection, server } = await connect((url) => new WebSocket(url));
    connection.send('hello');
    const event = await nextEvent<globalThis.MessageEvent>(socket, 'message');
    expect(tag(event)).toBe('[object MessageEvent]');
    expect(event.constructor.name).toBe('MessageEvent');
    expect([event.type, event.bubbles, event.cancelable, event.isTrusted === true || event.isTrusted === false]).toEqual(['message', false, false, true]);
    expect([event.data, event.origin, event.lastEventId, event.source]).toEqual(['hello', `ws://127.0.0.1:${server.port}`, '', null]);
    expect(event.ports).toEqual([]);
    expect(Object.isFrozen(event.ports)).toBe(true);
    expect(() => {
      (event as unknown as { data: string }).data = 'changed';
    }).toThrow(TypeError);
    expect(event.data).toBe('hello');
    expect(Object.keys(event)).not.toContain('data');
    const done = closed(socket);
    socket.close();
    await done;
  });

  it('a close event is a CloseEvent down to Object.prototype.toString, neither bubbling nor cancelable, with read-only attributes', async () => {
    const { socket, connection } = await connect((url) => new WebSocket(url));
    const done = closed(socket);
    connection.close(4001, 'done');
    const event = await done;
    expect(tag(event)).toBe('[object CloseEvent]');
    expect([event.type, event.bubbles, event.cancelable]).toEqual(['close', false, false]);
    expect([event.code, event.reason, event.wasClean]).toEqual([4001, 'done', true]);
    expect(() => {
      (event as unknown as { code: number }).code = 1;
    }).toThrow(TypeError);
    expect(event.code).toBe(4001);
  });

  it('open and error events neither bubble nor can be canceled', async () => {
    const socket = new WebSocket('ws://127.0.0.1:1/');
    const error = await nextEvent(socket, 'error');
    expect([error.type, error.bubbles, error.cancelable]).toEqual(['error', false, false]);
    const { socket: other } = await connect((url) => new WebSocket(url));
    expect(other.readyState).toBe(WebSocket.OPEN);
    const done = closed(other);
    other.close();
    await done;
  });
});

describe("rxws's exported event classes", () => {
  it.each([
    ['CloseEvent', CloseEvent],
    ['ErrorEvent', ErrorEvent],
    ['MessageEvent', MessageEvent],
  ] as const)('%s needs a type (TypeError without one), has length 1 and its class string', (name, EventClass) => {
    expect(() => new (EventClass as unknown as new () => Event)()).toThrow(TypeError);
    expect(EventClass.length).toBe(1);
    expect(tag(new EventClass('x'))).toBe(`[object ${name}]`);
    expect(new EventClass('x')).toBeInstanceOf(Event);
  });

  it.each([
    [CloseEvent, ['wasClean', 'code', 'reason']],
    [ErrorEvent, ['message', 'filename', 'lineno', 'colno', 'error']],
    [MessageEvent, ['data', 'origin', 'lastEventId', 'source', 'ports']],
  ] as const)('%p: the attributes are enumerable read-only accessors on the prototype', (EventClass, names) => {
    for (const name of names) {
      const descriptor = Object.getOwnPropertyDescriptor(EventClass.prototype, name)!;
      expect({ name, get: typeof descriptor.get, set: typeof descriptor.set, enumerable: descriptor.enumerable }).toEqual({
        name,
        get: 'function',
        set: 'undefined',
        enumerable: true,
      });
    }
  });

  it("ErrorEvent has the HTML interface, with '' and 0 as defaults", () => {
    const empty = new ErrorEvent('error');
    expect([empty.message, empty.filename, empty.lineno, empty.colno, empty.error]).toEqual(['', '', 0, 0, undefined]);
    const cause = new Error('boom');
    const full = new ErrorEvent('error', { message: 'm', filename: 'f.js', lineno: 3, colno: 7, error: cause, cancelable: true });
    expect([full.message, full.filename, full.lineno, full.colno, full.error, full.cancelable]).toEqual(['m', 'f.js', 3, 7, cause, true]);
    // WebIDL unsigned long: modulo 2^32.
    expect(new ErrorEvent('error', { lineno: -1 }).lineno).toBe(4294967295);
  });

  it('MessageEvent has the HTML interface: data null, origin and lastEventId empty, source null, ports a frozen array', () => {
    const empty = new MessageEvent('message');
    expect([empty.data, empty.origin, empty.lastEventId, empty.source, empty.bubbles, empty.cancelable]).toEqual([null, '', '', null, false, false]);
    expect(empty.ports).toEqual([]);
    expect(Object.isFrozen(empty.ports)).toBe(true);
    const { port1: source, port2 } = new MessageChannel();
    const ports: unknown[] = [port2];
    const full = new MessageEvent('message', { data: { a: 1 }, origin: 'ws://h', lastEventId: '7', source, ports, bubbles: true });
    expect([full.data, full.origin, full.lastEventId, full.source, full.bubbles]).toEqual([{ a: 1 }, 'ws://h', '7', source, true]);
    expect(full.ports).toEqual([port2]);
    expect(Object.isFrozen(full.ports)).toBe(true);
    expect(full.ports).not.toBe(ports); // a frozen copy: the caller's array is not frozen
    expect(full.ports).toBe(full.ports); // the same array at every read
    source.close();
    // WebIDL: source is a MessagePort (on Node) or null, ports a sequence of MessagePorts.
    expect(() => new MessageEvent('message', { ports: 5 as unknown as unknown[] })).toThrow(TypeError);
    expect(() => new MessageEvent('message', { ports: [{}] })).toThrow(TypeError);
    expect(() => new MessageEvent('message', { source: {} })).toThrow(TypeError);
    // A getter on another object: TypeError, as browsers say it.
    expect(() => Reflect.get(MessageEvent.prototype, 'data', {})).toThrow('Illegal invocation');
  });

  it('CloseEvent converts code as an unsigned short and defaults to 0, "" and false', () => {
    const empty = new CloseEvent('close');
    expect([empty.code, empty.reason, empty.wasClean]).toEqual([0, '', false]);
    expect(new CloseEvent('close', { code: 65536 + 1000 }).code).toBe(1000);
  });
});
