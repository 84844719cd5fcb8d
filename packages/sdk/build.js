'use strict';
// Builds @avatar/sdk's bundles with esbuild (called by the repo's scripts/build.js, and by
// `npm pack` in this package):
//   dist/browser/avatar-sdk.mjs  ESM for browsers, minified: global fetch and WebSocket,
//                                and the build fails on any Node import;
//   dist/node/index.cjs, .mjs    Node 20 (CommonJS and ESM), `ws` left as a dependency.
// With --types it also writes the declarations (tsc) to dist/types: slower, for publishing.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const here = __dirname;
const dist = path.join(here, 'dist');

/** Refuses Node built-ins in the browser bundle, naming the importer. */
const noNodeImports = {
  name: 'no-node-imports',
  setup(build) {
    build.onResolve({ filter: /^(node:|fs$|path$|crypto$|buffer$|events$|stream$|ws$|http$|https$|net$|tls$|url$|util$)/ }, (args) => ({
      errors: [{ text: `the browser build may not import "${args.path}" (imported by ${path.relative(here, args.importer)})` }],
    }));
  },
};

async function buildSdk({ types = false, log = console.log } = {}) {
  const esbuild = require('esbuild');
  const started = Date.now();
  fs.rmSync(dist, { recursive: true, force: true });
  const common = { bundle: true, sourcemap: true, target: 'es2020', logLevel: 'silent', legalComments: 'none' };
  await Promise.all([
    esbuild.build({
      ...common, entryPoints: [path.join(here, 'src/index.ts')], outfile: path.join(dist, 'browser/avatar-sdk.mjs'),
      format: 'esm', platform: 'browser', minify: true, plugins: [noNodeImports],
    }),
    esbuild.build({ ...common, entryPoints: [path.join(here, 'src/node.ts')], outfile: path.join(dist, 'node/index.cjs'), format: 'cjs', platform: 'node', target: 'node20', external: ['ws'] }),
    esbuild.build({ ...common, entryPoints: [path.join(here, 'src/node.ts')], outfile: path.join(dist, 'node/index.mjs'), format: 'esm', platform: 'node', target: 'node20', external: ['ws'] }),
  ]);
  if (types) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
  const size = fs.statSync(path.join(dist, 'browser/avatar-sdk.mjs')).size;
  log(`build: @avatar/sdk bundles in ${Date.now() - started} ms (browser ${(size / 1024).toFixed(1)} KiB minified)${types ? ', declarations' : ''}`);
}

module.exports = { buildSdk };
if (require.main === module) {
  buildSdk({ types: process.argv.includes('--types') }).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
