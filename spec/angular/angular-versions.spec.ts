// rxws/angular type-checks against the oldest supported Angular (17.3, the devDependency
// `angular-core-17`) as well as the newest (21, what the rest of the suite and the proof app use).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

describe('rxws/angular across Angular versions', () => {
  it('type-checks lib/angular and an app using it against @angular/core 17', async () => {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(__dirname, 'angular17.tsconfig.json')], { cwd: root, timeout: 90_000 });
  }, 100_000);
});
