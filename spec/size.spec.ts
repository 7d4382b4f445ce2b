// Pay for what you use (issue #16): what each import costs in the browser build (rxws code alone,
// minified + gzip), against the budgets in scripts/size.mjs. Runs the built package (`npm test`
// builds first). Not a timing test: sizes are exact for a given build.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const run = promisify(execFile);

interface Row {
  label: string;
  gzip: number;
  limit?: number;
  ceiling?: number;
  over: boolean;
  failed: boolean;
}

let rows: Row[];

beforeAll(async () => {
  const { stdout } = await run(process.execPath, [join(root, 'scripts', 'size.mjs'), '--json'], { cwd: root, timeout: 120_000 });
  rows = JSON.parse(stdout) as Row[];
}, 150_000);

const row = (label: string): Row => {
  const found = rows.find((r) => r.label === label);
  if (found === undefined) throw new Error(`no size row '${label}'`);
  return found;
};

test.each([['+ reconnect'], ['+ multiplex, channel, request'], ['+ backpressure, gate'], ['+ heartbeat']])('%s stays within what issue #16 lets it add to webSocket', (label) => {
  const r = row(label);
  expect({ label, gzip: r.gzip, over: r.over }).toEqual({ label, gzip: r.gzip, over: false });
});

test.each([['webSocket'], ['everything (import * as rxws)']])('%s stays within its budget, or where that is not met yet, its ceiling', (label) => {
  const r = row(label);
  expect({ label, gzip: r.gzip, failed: r.failed }).toEqual({ label, gzip: r.gzip, failed: false });
});

test('a capability costs nothing to an app that does not import it', () => {
  const plain = row('webSocket').gzip;
  // Each row is webSocket plus one capability: all heavier than webSocket alone, by their own code.
  for (const label of ['+ reconnect', '+ multiplex, channel, request', '+ backpressure, gate', '+ heartbeat']) {
    expect(row(label).gzip - plain).toBeGreaterThan(256);
  }
});
