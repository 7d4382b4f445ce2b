// WebIDL's shape of the WebSocket interface (https://webidl.spec.whatwg.org/#es-interfaces), as the
// Web Platform Tests' idlharness checks it, on rxws and on undici.
import { createTestServer, useTestServers } from 'rxws/testing';
import { closed, nextEvent } from '../helpers/events.js';
import { implementations } from '../helpers/implementations.js';

useTestServers();

const ATTRIBUTES = ['url', 'readyState', 'bufferedAmount', 'onopen', 'onerror', 'onclose', 'extensions', 'protocol', 'onmessage', 'binaryType'];
const READ_ONLY = ['url', 'readyState', 'bufferedAmount', 'extensions', 'protocol'];
const OPERATIONS = ['close', 'send'];
const CONSTANTS = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };

describe.each(implementations)('WebSocket, the WebIDL interface ($name)', ({ WebSocket }) => {
  it('has length 1 (one required argument) and the name WebSocket', () => {
    expect(WebSocket.length).toBe(1);
    expect(WebSocket.name).toBe('WebSocket');
  });

  it.each(ATTRIBUTES)('%s is an enumerable, configurable accessor on the prototype', (name) => {
    const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
    expect(descriptor).toBeDefined();
    expect(typeof descriptor.get).toBe('function');
    expect(descriptor.enumerable).toBe(true);
    expect(descriptor.configurable).toBe(true);
    expect(typeof descriptor.set).toBe(READ_ONLY.includes(name) ? 'undefined' : 'function');
  });

  it.each(OPERATIONS)('%s is an enumerable, writable, configurable method on the prototype', (name) => {
    const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
    expect(typeof descriptor.value).toBe('function');
    expect([descriptor.enumerable, descriptor.writable, descriptor.configurable]).toEqual([true, true, true]);
  });

  it('has the constants on the constructor and the prototype: enumerable, neither writable nor configurable', () => {
    for (const [name, value] of Object.entries(CONSTANTS)) {
      for (const holder of [WebSocket, WebSocket.prototype]) {
        const descriptor = Object.getOwnPropertyDescriptor(holder, name)!;
        expect({ name, value: descriptor.value, enumerable: descriptor.enumerable, writable: descriptor.writable, configurable: descriptor.configurable }).toEqual({
          name,
          value,
          enumerable: true,
          writable: false,
          configurable: false,
        });
      }
    }
  });

  it("reports '[object WebSocket]', from a non-enumerable class string on the prototype", () => {
    const socket = new WebSocket('ws://127.0.0.1:1/');
    socket.onerror = () => {};
    expect(Object.prototype.toString.call(socket)).toBe('[object WebSocket]');
    const tag = Object.getOwnPropertyDescriptor(WebSocket.prototype, Symbol.toStringTag)!;
    expect([tag.value, tag.enumerable, tag.writable, tag.configurable]).toEqual(['WebSocket', false, false, true]);
    expect(Object.keys(socket)).toEqual([]);
  });

  it('lists the attributes and operations in a for-in over an instance', () => {
    const socket = new WebSocket('ws://127.0.0.1:1/');
    socket.onerror = () => {};
    const keys: string[] = [];
    for (const key in socket) keys.push(key);
    for (const name of [...ATTRIBUTES, ...OPERATIONS, ...Object.keys(CONSTANTS)]) expect(keys).toContain(name);
  });

  it("ignores extra arguments that are not an options object: new WebSocket(url, 'chat', 'stray') does not throw", async () => {
    const server = await createTestServer({ protocols: (offered) => offered[0] ?? false });
    const Loose = WebSocket as unknown as new (...args: unknown[]) => WebSocket;
    const sockets = [new Loose(server.url, 'chat', 'stray'), new Loose(server.url, ['chat'], 42, 'more'), new Loose(server.url, 'chat', null)];
    await Promise.all(sockets.map((socket) => nextEvent(socket, 'open')));
    for (const socket of sockets) {
      expect(socket.protocol).toBe('chat');
      const done = closed(socket);
      socket.close();
      await done;
    }
  });

  it('a read-only attribute cannot be assigned: strict code gets a TypeError, the value stays', () => {
    const socket = new WebSocket('ws://127.0.0.1:1/');
    socket.onerror = () => {};
    expect(() => {
      (socket as unknown as { readyState: number }).readyState = 3;
    }).toThrow(TypeError);
    expect(socket.readyState).toBe(WebSocket.CONNECTING);
    socket.close();
  });

  it('the getters check their receiver: called on another object, they throw TypeError', () => {
    const getter = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'url')!.get!;
    expect(() => getter.call({})).toThrow(TypeError);
  });
});
