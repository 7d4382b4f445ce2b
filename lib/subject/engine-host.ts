// The door from the subject layer's optional capabilities (send gate, topics, requests) to a
// subject's engine: a Symbol.for key, so a subject made by the CommonJS build is recognised by
// the ESM build's functions (and the reverse), with no `instanceof`.
import type { SubjectCore } from './core.js';

/** @internal The key of a subject's engine. */
export const kEngine: unique symbol = Symbol.for('rxws.engine') as never;

/** @internal The engine of `value` if it is a `WebSocketSubject` (of either build), else undefined. */
export function engineOf<In, Out>(value: unknown): SubjectCore<In, Out> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as { [kEngine]?: SubjectCore<In, Out> })[kEngine];
}

/** @internal The engine of `subject`, or a TypeError naming `where`. */
export function requireEngine<In, Out>(subject: unknown, where: string): SubjectCore<In, Out> {
  const engine = engineOf<In, Out>(subject);
  if (engine === undefined) throw new TypeError(`${where}: expected a WebSocketSubject (from webSocket()), not ${subject === null ? 'null' : typeof subject}.`);
  return engine;
}
