// The Angular service pattern of docs/angular.md, type-checked against Angular's published types
// (@angular/core) and the built rxws declarations.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

describe('Angular example (examples/angular)', () => {
  it('type-checks against @angular/core and dist/types', async () => {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'examples', 'angular')], {
      cwd: root,
      timeout: 90_000,
    });
  }, 100_000);
});
