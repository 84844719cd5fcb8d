#!/usr/bin/env node
'use strict';
// espeak-ng's real-time factor: seconds of synthesis per second of audio, for a few
// sentence lengths, through the local speech engine (EspeakEngine: spawn, WAV on
// stdout, resample to --rate) from dist/ — `npm run build` first. Beside it, two floors:
// spawning `espeak-ng --version` (what a process costs before any speech) and
// espeak-ng alone on the same text (what the engine adds: WAV parsing, resampling).
//
//   node bench/tts-rtf.js [--rounds 7] [--rate 24000] [--voice en-us]
//
// Each figure is the median over --rounds runs, one at a time (no concurrency), after
// one warm-up run. RTF < 1 means faster than real time; the local provider waits for
// the whole synthesis before its first frame, so synthesis time is also the first
// frame's delay.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { median, table, ms, flags } = require('./lib/stats');

const opts = flags({ rounds: 7, rate: 24000, voice: 'en-us' });
const dist = path.join(__dirname, '..', 'dist', 'libs', 'tts', 'src');
let tts;
try {
  tts = require(dist);
} catch (err) {
  console.error(`[bench] cannot load ${dist} (${err.message}): run \`npm run build\` first`);
  process.exit(1);
}

const SENTENCE = 'The quick brown fox jumps over the lazy dog while the avatar keeps talking.';
const TEXTS = [
  ['short', 'Hello there.'],
  ['sentence', SENTENCE],
  ['paragraph', Array(4).fill(SENTENCE).join(' ')],
  ['long', Array(12).fill(SENTENCE).join(' ')],
];

// Runs the binary once with `input` on stdin; resolves with elapsed ms.
function timeProcess(binary, args, input) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${binary} exited ${code}`))));
    child.stdin.end(input);
  });
}

async function medianOf(run) {
  await run(); // warm-up: page cache, voice data
  const samples = [];
  for (let i = 0; i < opts.rounds; i++) samples.push(await run());
  return median(samples);
}

async function main() {
  const engine = new tts.EspeakEngine({ maxConcurrent: 1 });
  console.log(`[bench] ${engine.binary}, voice ${opts.voice}, resampled to ${opts.rate} Hz, median of ${opts.rounds}`);
  const floor = await medianOf(() => timeProcess(engine.binary, ['--version'], ''));
  const rows = [['text', 'words', 'audio', 'engine', 'espeak-ng alone', 'spawn floor', 'RTF', 'RTF over floor']];
  for (const [name, text] of TEXTS) {
    let audioS = 0;
    const engineMs = await medianOf(async () => {
      const started = performance.now();
      const speech = await engine.synthesize({ text, voiceId: opts.voice, sampleRate: opts.rate });
      audioS = speech.durationS;
      return performance.now() - started;
    });
    const aloneMs = await medianOf(() => timeProcess(engine.binary, ['--stdout', '--stdin', '-b', '1', '-v', opts.voice], text));
    rows.push([
      name,
      text.split(/\s+/).length,
      `${audioS.toFixed(2)} s`,
      ms(engineMs),
      ms(aloneMs),
      ms(floor),
      (engineMs / 1000 / audioS).toFixed(3),
      (Math.max(0, engineMs - floor) / 1000 / audioS).toFixed(3),
    ]);
  }
  console.log(table(rows));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
