#!/usr/bin/env node
'use strict';
// Generates the Prisma client and the protobuf code when their schemas changed, then
// compiles apps/ and libs/ (TypeScript) to dist/ with swc: a fraction of a second for
// the whole monorepo.
// Type errors are checked separately by `npm run typecheck`.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { transformFile } = require('@swc/core');
const { root, swcOptions } = require('./swc-options');
const { buildSdk } = require('../packages/sdk/build');

const SOURCE_DIRS = ['apps', 'libs'];
const OUT = path.join(root, 'dist');

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !full.includes(`${path.sep}public${path.sep}`) && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.int-spec.ts') && !entry.name.endsWith('.d.ts')) yield full;
  }
}

const SCHEMA = path.join(root, 'prisma', 'schema.prisma');
const GENERATED = path.join(root, 'libs', 'persistence', 'src', 'generated', 'prisma', 'client.ts');

function generatePrismaClient() {
  const fresh = fs.existsSync(GENERATED) && fs.statSync(GENERATED).mtimeMs >= fs.statSync(SCHEMA).mtimeMs;
  if (fresh) return;
  // prisma.config.ts points the CLI at a stand-in schema engine: generate needs none.
  execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], { cwd: root, stdio: 'pipe' });
  console.log('build: Prisma client generated');
}

// Protobuf schemas and where their static code (JavaScript + declarations) goes. The
// output is not committed: generated like the Prisma client, and copied to dist/ as is.
const PROTOBUF = [
  {
    proto: path.join(root, 'libs', 'providers', 'src', 'spatialwalk', 'proto', 'message.proto'),
    outDir: path.join(root, 'libs', 'providers', 'src', 'spatialwalk', 'generated'),
  },
];
// Lean code: encode, decode and create are all the adapters use.
const PBJS_FLAGS = ['-t', 'static-module', '-w', 'commonjs', '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl', '--no-service'];

function generateProtobufCode() {
  for (const { proto, outDir } of PROTOBUF) {
    const name = path.basename(proto, '.proto');
    const js = path.join(outDir, `${name}.js`);
    const dts = path.join(outDir, `${name}.d.ts`);
    const fresh = [js, dts].every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= fs.statSync(proto).mtimeMs);
    if (fresh) continue;
    fs.mkdirSync(outDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pbjs-'));
    try {
      execFileSync(process.execPath, [require.resolve('protobufjs-cli/bin/pbjs'), ...PBJS_FLAGS, '-o', path.join(tmp, `${name}.js`), proto], { cwd: root, stdio: 'pipe' });
      // pbts reads the JSDoc pbjs wrote: the declarations match the code exactly.
      execFileSync(process.execPath, [require.resolve('protobufjs-cli/bin/pbts'), '-o', path.join(tmp, `${name}.d.ts`), path.join(tmp, `${name}.js`)], { cwd: root, stdio: 'pipe' });
      // Copied beside the target and renamed into place: a build, a type-check and Jest
      // running at once never read a half-written file.
      for (const [from, to] of [[`${name}.d.ts`, dts], [`${name}.js`, js]]) {
        fs.copyFileSync(path.join(tmp, from), `${to}.${process.pid}`);
        fs.renameSync(`${to}.${process.pid}`, to);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`build: protobuf code generated from ${path.relative(root, proto)}`);
  }
}

/**
 * Files under a `public/` directory of apps/ or libs/ (the demo page's HTML, CSS and
 * script) are served as they are: copied to the same place under dist/.
 */
function* publicAssets(dir, inPublic = false) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* publicAssets(full, inPublic || entry.name === 'public');
    else if (inPublic) yield full;
  }
}

function copyPublicAssets() {
  for (const file of SOURCE_DIRS.flatMap((d) => [...publicAssets(path.join(root, d))])) {
    const target = path.join(OUT, path.relative(root, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
}

/** swc compiles only TypeScript: the generated protobuf JavaScript is copied next to its callers. */
function copyProtobufCode() {
  for (const { outDir } of PROTOBUF) {
    const target = path.join(OUT, path.relative(root, outDir));
    fs.mkdirSync(target, { recursive: true });
    for (const file of fs.readdirSync(outDir).filter((f) => f.endsWith('.js'))) fs.copyFileSync(path.join(outDir, file), path.join(target, file));
  }
}

async function build() {
  const started = Date.now();
  generatePrismaClient();
  generateProtobufCode();
  // The type-checker needs the generated code, not the compiled output.
  if (process.argv.includes('--generate-only')) return;
  fs.rmSync(OUT, { recursive: true, force: true });
  const options = swcOptions();
  const files = SOURCE_DIRS.flatMap((d) => [...sources(path.join(root, d))]);
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const out = path.join(OUT, rel.replace(/\.ts$/, '.js'));
      const { code, map } = await transformFile(file, { ...options, filename: file, sourceFileName: path.relative(path.dirname(out), file) });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, map ? `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n` : code);
      if (map) fs.writeFileSync(`${out}.map`, map);
    }),
  );
  copyProtobufCode();
  copyPublicAssets();
  console.log(`build: ${files.length} files compiled to dist/ in ${Date.now() - started} ms`);
  // The SDK's bundles: the demo page serves the browser one, the SDK's tests load the Node one.
  await buildSdk();
}

module.exports = { build };
if (require.main === module) {
  build().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
