#!/usr/bin/env node
'use strict';
// Regenerates sdks/python/avatar_sdk/models.py from the platform's OpenAPI document, as
// built in dist/ (run `npm run build` first). `--check` writes nothing and exits 1 when
// the committed models.py differs from a fresh generation.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../../..');
const GENERATOR = path.join(__dirname, 'generate_models.py');
const MODELS = path.join(__dirname, '..', 'avatar_sdk', 'models.py');
// Debian's Python when there is one (a python3 earlier on PATH may be another install);
// the generator itself needs the standard library only.
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function main() {
  const contracts = path.join(ROOT, 'dist/libs/contracts/src');
  if (!fs.existsSync(path.join(contracts, 'index.js'))) {
    console.error('generate-models: dist/ has no contracts: run `npm run build` first');
    process.exit(2);
  }
  const document = JSON.stringify(require(contracts).openApiDocument('generated'));
  const run = spawnSync(PYTHON, [GENERATOR, '-', '--stdout'], { input: document, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    console.error(`generate-models: ${PYTHON} ${GENERATOR} failed:\n${run.stderr || run.error}`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(MODELS) ? fs.readFileSync(MODELS, 'utf8') : '';
    if (committed !== run.stdout) {
      console.error(`generate-models: ${path.relative(ROOT, MODELS)} is stale: run \`npm run build && node sdks/python/scripts/generate-models.js\``);
      process.exit(1);
    }
    console.log(`generate-models: ${path.relative(ROOT, MODELS)} is up to date`);
    return;
  }
  fs.writeFileSync(MODELS, run.stdout);
  console.log(`generate-models: wrote ${path.relative(ROOT, MODELS)}`);
}

main();
