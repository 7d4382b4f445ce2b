// Checks the package as it would be published: `@arethetypeswrong/cli` (profile node16: node16 from
// CommonJS and from ESM, and bundler, for every entry point) and `publint` (every message, down to
// suggestions, counts). Exits 1 with the tools' own output when either reports anything.
//
//   npm run check:package             packs the working tree first (`npm pack`; build it before)
//   node scripts/check-package.mjs rxws-0.1.0.tgz     checks that tarball
//
// Nothing is downloaded: both tools read the local tarball.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = new URL('..', import.meta.url).pathname;

let tarball = process.argv[2] && resolve(process.argv[2]);
let packDir;
if (!tarball) {
  packDir = mkdtempSync(join(tmpdir(), 'rxws-pack-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: root, encoding: 'utf8' }));
  tarball = join(packDir, packed.filename);
}

const problems = [];
try {
  // attw: exit code 1 when any problem is found (node10 is outside the node16 profile; it is green too).
  const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  try {
    execFileSync(process.execPath, [attw, tarball, '--profile', 'node16', '--format', 'table', '--no-color'], { encoding: 'utf8', stdio: 'pipe' });
    console.log('attw (profile node16): no problems');
  } catch (error) {
    problems.push(`@arethetypeswrong/cli --profile node16 reported problems:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }

  const data = readFileSync(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    level: 'suggestion',
    strict: true,
  });
  if (messages.length === 0) console.log('publint (every level): no messages');
  else problems.push(`publint reported:\n${messages.map((m) => `- ${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`).join('\n')}`);
} finally {
  if (packDir) rmSync(packDir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(problems.join('\n\n'));
  process.exit(1);
}
