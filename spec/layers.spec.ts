// The one-way layers of lib/ (docs/architecture.md), as dependency-cruiser checks them with
// .dependency-cruiser.cjs: no import upward, no cycle (type-only imports included).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const run = promisify(execFile);
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['lib', '--config', config, '--output-type', 'err'], { cwd, timeout: 60_000 });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

test('lib/ imports one way only, with no cycles', async () => {
  const { code, output } = await cruise(root);
  expect(output).not.toMatch(/error/);
  expect(code).toBe(0);
});

test('a wrong import fails the check (a websocket module importing the subject layer)', async () => {
  const { code, output } = await cruise(join(root, 'spec', 'fixtures', 'layers'));
  expect(code).not.toBe(0);
  expect(output).toMatch(/layer-websocket: lib\/websocket\/upward\.ts → lib\/subject\/helper\.ts/);
});
