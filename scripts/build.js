#!/usr/bin/env node
'use strict';
// Generates the Prisma client when the schema changed, then compiles apps/ and libs/
// (TypeScript) to dist/ with swc: a fraction of a second for the whole monorepo.
// Type errors are checked separately by `npm run typecheck`.
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { transformFile } = require('@swc/core');
const { root, swcOptions } = require('./swc-options');

const SOURCE_DIRS = ['apps', 'libs'];
const OUT = path.join(root, 'dist');

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.int-spec.ts') && !entry.name.endsWith('.d.ts')) yield full;
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

async function build() {
  const started = Date.now();
  generatePrismaClient();
  // The type-checker needs the generated client, not the compiled output.
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
  console.log(`build: ${files.length} files compiled to dist/ in ${Date.now() - started} ms`);
}

module.exports = { build };
if (require.main === module) {
  build().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
