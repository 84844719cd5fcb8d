'use strict';
// One source for how TypeScript is compiled: the build (scripts/build.js) and Jest
// (jest.config.js) both take their swc options from here, and the path aliases come
// from tsconfig.json, so an alias is declared once.
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');

function tsconfigPaths() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
  return tsconfig.compilerOptions.paths;
}

function swcOptions({ sourceMaps = true } = {}) {
  return {
    sourceMaps,
    module: { type: 'commonjs', strict: true },
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
      baseUrl: root,
      paths: tsconfigPaths(),
    },
  };
}

module.exports = { root, swcOptions, tsconfigPaths };
