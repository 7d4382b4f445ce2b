// Teardown: every server a test creates is tracked here until it closes, so one helper closes
// them all after each test, and what a test left behind (open connections, pending waits) is
// reported instead of turning into a hanging worker or a lost assertion.
import type { PendingWait } from './message-queue.js';

/** What was still going on when a server closed. */
export interface TeardownReport {
  /** The server's URL. */
  readonly server: string;
  /** Connections still open when the server closed (the client had not closed them). */
  readonly openConnections: string[];
  /** Waits (`nextMessage`, `nextConnection`…) still pending; they were rejected by the close. */
  readonly pendingWaits: PendingWait[];
  /** Errors thrown by reply rules or connection handlers, which no test could see otherwise. */
  readonly errors: Error[];
  /** Whether nothing was left behind. */
  readonly clean: boolean;
}

/** What to do with an unclean {@link TeardownReport}: throw (fail the hook), `console.warn`, or nothing. */
export type LeakPolicy = 'throw' | 'warn' | 'ignore';

/** Options of {@link closeAllTestServers} and {@link useTestServers}. */
export interface TeardownOptions {
  /** Default `'warn'`: open connections are common and harmless (they are closed with 1001), so only a warning. */
  onLeak?: LeakPolicy;
}

/** Thrown by {@link closeAllTestServers} with `onLeak: 'throw'` when something was left behind. */
export class TestServerLeakError extends Error {
  /** Always `'TestServerLeakError'`. */
  override name = 'TestServerLeakError';
  /** The reports of the servers that were not left clean. */
  readonly reports: TeardownReport[];

  constructor(reports: TeardownReport[]) {
    super(reports.map(formatTeardownReport).join('\n'));
    this.reports = reports;
  }
}

/** @internal Builds a report, computing `clean`. */
export function makeReport(server: string, openConnections: string[], pendingWaits: PendingWait[], errors: Error[]): TeardownReport {
  return {
    server,
    openConnections,
    pendingWaits,
    errors,
    clean: openConnections.length === 0 && pendingWaits.length === 0 && errors.length === 0,
  };
}

/** A report as text: what was left, one line each. */
export function formatTeardownReport(report: TeardownReport): string {
  if (report.clean) return `Test server ${report.server} closed cleanly.`;
  const lines = [`Test server ${report.server} closed with things left behind:`];
  for (const c of report.openConnections) lines.push(`  - ${c} was still open (closed with 1001)`);
  for (const w of report.pendingWaits) lines.push(`  - ${w.label} was still waiting (${w.waitedMs} ms); it was rejected`);
  for (const e of report.errors) lines.push(`  - error in a reply rule or handler: ${e.message}`);
  return lines.join('\n');
}

/** What the registry needs from a server. */
interface Closable {
  close(): Promise<TeardownReport>;
}

const live = new Set<Closable>();

/** @internal A server registers itself when it starts. */
export function track(server: Closable): void {
  live.add(server);
}

/** @internal And unregisters when it closes. */
export function untrack(server: Closable): void {
  live.delete(server);
}

/** How many test servers are open (created and not closed yet). */
export function openTestServerCount(): number {
  return live.size;
}

/**
 * Closes every test server still open and reports what they left behind (see
 * {@link TeardownOptions.onLeak}). Resolves with one report per server closed. Use it in
 * `afterEach`, or call {@link useTestServers} once per file.
 *
 * @example
 * afterEach(() => closeAllTestServers());
 */
export async function closeAllTestServers(options: TeardownOptions = {}): Promise<TeardownReport[]> {
  const servers = [...live];
  const reports = await Promise.all(servers.map((s) => s.close()));
  const unclean = reports.filter((r) => !r.clean);
  const policy = options.onLeak ?? 'warn';
  if (unclean.length > 0) {
    if (policy === 'throw') throw new TestServerLeakError(unclean);
    // eslint-disable-next-line no-console
    if (policy === 'warn') console.warn(unclean.map(formatTeardownReport).join('\n'));
  }
  return reports;
}

type HookRegistrar = (fn: () => Promise<unknown>) => void;

/**
 * Registers `afterEach(() => closeAllTestServers(options))` with the test runner's global
 * `afterEach` (Jest, Vitest with globals, Mocha). Call it once at the top of a test file.
 */
export function useTestServers(options: TeardownOptions = {}): void {
  const afterEach = (globalThis as { afterEach?: HookRegistrar }).afterEach;
  if (typeof afterEach !== 'function') {
    throw new Error('useTestServers() needs a global afterEach; call closeAllTestServers() from your own teardown instead.');
  }
  afterEach(async () => {
    await closeAllTestServers(options);
  });
}
