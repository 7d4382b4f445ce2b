// Builds the proof app the way an Angular app ships: Angular's compiler (ngc, AOT, strict
// templates) over src/, then esbuild bundles with Angular's linker applied to the framework's
// partially compiled packages (what @angular/build does). rxws comes from the built package
// (dist/: `npm run build` first), the browser tree for the pages and the Node tree for the server.
//
//   node spec/angular-app/build.mjs     → spec/angular-app/.build/{main-zone,main-zoneless}.js, server.mjs
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { transformAsync } from '@babel/core';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..');
const out = join(here, '.build');
const ngcOut = join(out, 'ngc');
const dist = join(root, 'dist');

/** esbuild plugin: Angular's linker (babel) over every @angular package module with partial declarations. */
const angularLinker = {
  name: 'angular-linker',
  setup(pluginBuild) {
    let linker;
    pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/]@angular[\\/].+\.m?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('ɵɵngDeclare')) return { contents: source, loader: 'js' };
      linker ??= (await import('@angular/compiler-cli/linker/babel')).default;
      const result = await transformAsync(source, { filename: args.path, plugins: [linker], babelrc: false, configFile: false, compact: false, sourceMaps: false });
      return { contents: result.code, loader: 'js' };
    });
  },
};

export async function buildApp() {
  if (!existsSync(join(dist, 'browser', 'angular', 'index.js'))) throw new Error('dist/ has no rxws/angular: run `npm run build` first');
  execFileSync(process.execPath, [join(root, 'node_modules', '@angular', 'compiler-cli', 'bundles', 'src', 'bin', 'ngc.js'), '-p', join(here, 'tsconfig.json')], { cwd: root, stdio: 'pipe' });
  const common = { bundle: true, write: true, logLevel: 'silent', plugins: [angularLinker], nodePaths: [join(root, 'node_modules')], define: { ngJitMode: 'false' } };
  await Promise.all([
    build({
      ...common,
      entryPoints: { 'main-zone': join(ngcOut, 'main-zone.js'), 'main-zoneless': join(ngcOut, 'main-zoneless.js') },
      outdir: out,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      alias: { rxws: join(dist, 'browser', 'index.js'), 'rxws/angular': join(dist, 'browser', 'angular', 'index.js') },
    }),
    build({
      ...common,
      entryPoints: { server: join(ngcOut, 'server.js') },
      outdir: out,
      outExtension: { '.js': '.mjs' },
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Node packages stay packages (CommonJS, native add-ons); a require() for those in ESM:
      external: ['ws', 'bufferutil', 'utf-8-validate', 'xhr2'],
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      alias: { rxws: join(dist, 'esm', 'index.js'), 'rxws/angular': join(dist, 'esm', 'angular', 'index.js') },
    }),
  ]);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  await buildApp();
  console.log(`built ${out} in ${Date.now() - started} ms`);
}
