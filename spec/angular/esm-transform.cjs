// Jest transform for Angular's ESM-only packages (fesm2022/*.mjs): esbuild turns each module into
// CommonJS, as the rest of the suite runs (ts-jest, CommonJS). Used by jest.config.cjs for
// node_modules/@angular/ only.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, path) {
    const { code, map } = transformSync(source, { format: 'cjs', target: 'es2022', loader: 'js', sourcefile: path, sourcemap: 'external' });
    return { code, map };
  },
  getCacheKey(source, path) {
    return require('node:crypto').createHash('sha1').update('esm-transform-1\0').update(path).update('\0').update(source).digest('hex');
  },
};
