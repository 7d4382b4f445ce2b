import type { SecureContextOptions } from 'node:tls';
import type { ClientOptions } from 'ws';
import type { BinaryType } from './constants.js';
import { checkNumber, checkOneOf, describe, fail } from '../common/options.js';

/**
 * Node-only options of rxws's `WebSocket` (the third constructor argument), passed to `ws`.
 * Defaults differ from `ws` only where safety asks for it; see docs/websocket.md.
 */
export interface NodeWebSocketOptions
  extends SecureContextOptions,
    Pick<
      ClientOptions,
      | 'headers'
      | 'agent'
      | 'origin'
      | 'family'
      | 'localAddress'
      | 'rejectUnauthorized'
      | 'checkServerIdentity'
      | 'maxRedirects'
      | 'skipUTF8Validation'
      | 'createConnection'
    > {
  /** The TLS server name (SNI) to send, when it differs from the URL's host. */
  servername?: string;
  /** Fail the connection when the opening handshake takes longer (ms). Default 30000; 0 waits forever. */
  handshakeTimeout?: number;
  /** Largest message accepted (bytes); a larger one closes with 1009. Default 100 MiB; 0 means no limit. */
  maxPayload?: number;
  /** Offer permessage-deflate (`true`, as browsers do, or `ws`'s deflate options), or not (`false`). Default true. */
  perMessageDeflate?: ClientOptions['perMessageDeflate'];
  /** Follow HTTP redirects during the handshake. Default false (a redirect fails the connection). */
  followRedirects?: boolean;
  /**
   * How binary messages are delivered at first: `'nodebuffer'` (a `Buffer`, Node only), or the
   * standard `'blob'` (default) and `'arraybuffer'`. The `binaryType` attribute accepts only the
   * standard two; assigning one of them later replaces this choice.
   *
   * @example new WebSocket(url, [], { binaryType: 'nodebuffer' })
   */
  binaryType?: BinaryType;
  /**
   * Coalesce the writes of one tick into as few syscalls as possible (the socket is corked at the
   * first send of a tick and uncorked before the tick ends). Default true.
   */
  coalesce?: boolean;
}

/** The Node options other than TLS ones, every one (the compiler checks the list is whole). */
const OWN_OPTION_NAMES = [
  'headers',
  'agent',
  'origin',
  'family',
  'localAddress',
  'rejectUnauthorized',
  'checkServerIdentity',
  'maxRedirects',
  'skipUTF8Validation',
  'createConnection',
  'servername',
  'handshakeTimeout',
  'maxPayload',
  'perMessageDeflate',
  'followRedirects',
  'binaryType',
  'coalesce',
] as const satisfies readonly (keyof NodeWebSocketOptions)[];
type UnlistedOption = Exclude<keyof NodeWebSocketOptions, keyof SecureContextOptions | (typeof OWN_OPTION_NAMES)[number]>;
const ownOptionsListed: [UnlistedOption] extends [never] ? true : UnlistedOption = true;
void ownOptionsListed;
const TLS_OPTION_NAMES = [
  'ALPNCallback',
  'allowPartialTrustChain',
  'ca',
  'cert',
  'sigalgs',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'honorCipherOrder',
  'key',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
  'ticketKeys',
  'sessionTimeout',
] as const satisfies readonly (keyof SecureContextOptions)[];

/** The names of the Node options (the constructor's third argument), TLS ones included. */
export const NODE_OPTION_NAMES: ReadonlySet<string> = new Set<string>([...OWN_OPTION_NAMES, ...TLS_OPTION_NAMES]);

/** The defaults rxws applies on top of `ws`'s. */
export const NODE_DEFAULTS = {
  /** The opening handshake fails after 30 s (`ws` has no limit). */
  handshakeTimeout: 30_000,
  /** The largest message accepted: 100 MiB (as `ws`). */
  maxPayload: 100 * 1024 * 1024,
  /** permessage-deflate is offered (as `ws`). */
  perMessageDeflate: true,
  /** Redirects are not followed (as browsers, which never follow them for a WebSocket). */
  followRedirects: false,
  /** TLS certificates are verified. */
  rejectUnauthorized: true,
} as const;

const WHERE = 'WebSocket options';
const NON_NEGATIVE = ['handshakeTimeout', 'maxPayload', 'maxRedirects'] as const;
const BOOLEAN = ['followRedirects', 'rejectUnauthorized', 'skipUTF8Validation', 'coalesce'] as const;

/** Checks `options` and returns the `ws` client options to use, with rxws's defaults, and rxws's own. */
export function toWsOptions(options: unknown): ClientOptions & { coalesce: boolean; binaryType?: BinaryType } {
  if (options === undefined || options === null) return { ...NODE_DEFAULTS, coalesce: true };
  if (typeof options !== 'object') fail(WHERE, `must be an object, not ${describe(options)}.`);
  const given = options as Record<string, unknown>;
  for (const key of NON_NEGATIVE) checkNumber(WHERE, given[key], key, 0, 0, false, false);
  for (const key of BOOLEAN) checkOneOf(WHERE, given[key], key, [true, false]);
  if (given.headers !== undefined && (given.headers === null || typeof given.headers !== 'object')) fail(WHERE, `'headers' must be an object of header names to values.`);
  checkOneOf(WHERE, given.binaryType, 'binaryType', ['blob', 'arraybuffer', 'nodebuffer']);
  const pmd = given.perMessageDeflate;
  if (pmd !== undefined && typeof pmd !== 'boolean' && (pmd === null || typeof pmd !== 'object')) fail(WHERE, `'perMessageDeflate' must be a boolean or an object.`);
  const merged: Record<string, unknown> = { ...NODE_DEFAULTS, coalesce: true };
  for (const key of Object.keys(given)) if (given[key] !== undefined) merged[key] = given[key];
  return merged as unknown as ClientOptions & { coalesce: boolean; binaryType?: BinaryType };
}
