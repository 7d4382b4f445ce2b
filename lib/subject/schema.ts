// Typed, validated messages: a deserializer that checks every incoming message against a Standard
// Schema (zod >= 3.24, valibot, ArkType, ...: anything with `~standard`). It plugs in as the
// `deserializer` option, so the engine knows nothing of it and a plain webSocket() bundles none of it.

/** One problem a schema found, as the Standard Schema spec describes it. */
export interface SchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where: the keys from the message's root to the value, if the schema says. */
  readonly path?: ReadonlyArray<PropertyKey | SchemaPathSegment> | undefined;
}

/** One step of a {@link SchemaIssue}'s `path`, where the schema gives an object rather than the key itself. */
export interface SchemaPathSegment {
  /** The key of this step. */
  readonly key: PropertyKey;
}

/**
 * A Standard Schema (v1, https://standardschema.dev), as rxws uses it: the `~standard` property
 * that zod (3.24 and later), valibot, ArkType and others put on their schemas. rxws has no
 * dependency on any of them.
 */
export interface StandardSchema<Output = unknown> {
  /** The schema's Standard Schema interface. */
  readonly '~standard': StandardSchemaProps<Output>;
}

/** The `~standard` property of a {@link StandardSchema}. */
export interface StandardSchemaProps<Output = unknown> {
  /** The version of the Standard Schema spec: 1. */
  readonly version: 1;
  /** Who made the schema: `'zod'`, `'valibot'`, `'arktype'`, … */
  readonly vendor: string;
  /** Validates `value`: its output, or the issues found (a promise of either for an asynchronous schema, which rxws refuses). */
  readonly validate: (value: unknown) => SchemaResult<Output> | Promise<SchemaResult<Output>>;
  /** The types only (no value at run time): what it takes and what it gives. */
  readonly types?: SchemaTypes<Output> | undefined;
}

/** The phantom `types` of a {@link StandardSchemaProps}. */
export interface SchemaTypes<Output> {
  /** What the schema takes. */
  readonly input: unknown;
  /** What it gives. */
  readonly output: Output;
}

/** What a Standard Schema's `validate` returns: {@link SchemaSuccess} or {@link SchemaFailure}. */
export type SchemaResult<Output> = SchemaSuccess<Output> | SchemaFailure;

/** A value the schema accepted. */
export interface SchemaSuccess<Output> {
  /** The schema's output (after its transforms). */
  readonly value: Output;
  /** None. */
  readonly issues?: undefined;
}

/** A value the schema refused. */
export interface SchemaFailure {
  /** What it found wrong. */
  readonly issues: ReadonlyArray<SchemaIssue>;
}

/** The type a Standard Schema validates to (zod's `z.infer`, valibot's `InferOutput`). */
export type SchemaOutput<S> = S extends StandardSchema<infer Output> ? Output : never;

/**
 * What a message that fails its schema is reported with on `decodeError$` (`{ event, error }`):
 * the schema's `issues`, and the deserialized `value` that failed. Non-fatal by default, like any
 * deserializer error (`onDecodeError: 'error'` makes it fatal).
 *
 * @example
 * ws$.decodeError$.subscribe(({ error }) => {
 *   if (error instanceof SchemaError) console.warn('bad message', error.value, error.issues.map((i) => i.message));
 * });
 */
export class SchemaError extends Error {
  /** `'SchemaError'`. */
  override readonly name = 'SchemaError';

  constructor(
    /** What the schema found wrong, as it reported it. */
    readonly issues: ReadonlyArray<SchemaIssue>,
    /** The deserialized message that failed. */
    readonly value: unknown,
  ) {
    super(`The message does not match its schema: ${issues.map((issue) => issue.message).join('; ')}`);
  }
}

/**
 * A `deserializer` for `webSocket()` that validates every incoming message against `schema` (any
 * Standard Schema: zod ≥ 3.24, valibot, ArkType…) after `deserialize` (default `JSON.parse` of the
 * data) and delivers the schema's output: the subject's `Out` is inferred from the schema. A
 * message that fails goes to `decodeError$` as `{ event, error: SchemaError }` (with the schema's
 * `issues`) and not to subscribers; the connection carries on. Validation must be synchronous: a
 * schema whose `validate` returns a promise (an async refinement) fails every message with a
 * `TypeError`. Bundled only when imported.
 *
 * @throws TypeError when `schema` is not a Standard Schema.
 *
 * @example
 * import { z } from 'zod';
 * import { webSocket, validated } from 'rxws';
 *
 * const Price = z.object({ symbol: z.string(), price: z.number() });
 * const prices$ = webSocket({ url, deserializer: validated(Price) }); // WebSocketSubject<unknown, { symbol: string; price: number }>
 * prices$.subscribe(({ symbol, price }) => render(symbol, price));
 * prices$.decodeError$.subscribe(({ error }) => console.warn(error));
 */
export function validated<S extends StandardSchema>(schema: S, deserialize: (event: MessageEvent) => unknown = (event) => JSON.parse(event.data as string)): (event: MessageEvent) => SchemaOutput<S> {
  const validate = (schema as Partial<StandardSchema> | null)?.['~standard']?.validate;
  if (typeof validate !== 'function') throw new TypeError('validated(): expected a Standard Schema (zod >= 3.24, valibot, ArkType, ...: an object with ~standard.validate).');
  return (event) => {
    const value = deserialize(event);
    const result = validate(value);
    if (isThenable(result)) throw new TypeError('validated(): the schema validates asynchronously; rxws delivers messages synchronously, in order.');
    if (result.issues !== undefined) throw new SchemaError(result.issues, value);
    return result.value as SchemaOutput<S>;
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>).then === 'function';
}
