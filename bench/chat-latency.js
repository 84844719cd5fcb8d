#!/usr/bin/env node
'use strict';
// Chat reply → avatar: how long after the engine's first token does the avatar show the
// first frame of the reply, and how much of the reply is still streaming by then?
// The whole platform from dist/ (`npm run build` first), its chat engine pointed at the
// OpenAI-compatible fake (libs/testing) streaming a three-sentence reply at --chunk-ms
// per word; the local provider with its real speech (espeak-ng audio, the default) or
// --silent. Side by side in the same run, the floor: the same first sentence sent with
// avatar.speak (request → first frame), i.e. what the pipeline costs without the chat.
//
//   npm run bench:chat -- [--turns 20] [--chunk-ms 60] [--silent]
//
// Prints p50/p95/max of: first SSE delta at the client → first frame of the reply on
// the WebSocket; the first sentence complete (the next word arrived) → that frame; the
// reply's stream end → that frame (negative: the avatar was already speaking before the
// reply was complete); and the floor.
const path = require('node:path');
const WebSocket = require('ws');
const { startPlatform, stopOnSignals } = require('./lib/platform');
const { percentile, maxOf, ms, table, flags, sleep } = require('./lib/stats');

const opts = flags({ turns: 20, chunkMs: 60, silent: false });
const { OpenAiChatFake } = require(path.join(__dirname, '..', 'dist/libs/testing/src/fakes/openai-chat-fake.js'));
const SENTENCES = ['Hello, and welcome to the demo.', ' I can answer questions about the product while you watch.', ' Ask me anything you like.'];
const words = (text) => text.split(/(?=\s)/);

async function call(api, key, route, body) {
  const response = await fetch(`${api}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${route}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Streams one chat turn; resolves with when the first delta and the end arrived (performance.now()). */
async function streamTurn(api, key, sessionId, n) {
  const response = await fetch(`${api}/v1/chat.completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ session_id: sessionId, stream: true, messages: [{ role: 'user', content: `Question ${n}` }] }),
  });
  // Arrival time of each content delta (one per SSE event).
  const deltas = [];
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += Buffer.from(chunk).toString('utf8');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      if (buffer.slice(0, end).includes('"content"')) deltas.push(performance.now());
      buffer = buffer.slice(end + 2);
    }
  }
  return { deltas, end: performance.now() };
}

async function main() {
  const fake = await new OpenAiChatFake({ reply: SENTENCES.flatMap(words), chunkDelayMs: opts.chunkMs }).start();
  const platform = await startPlatform({ env: { CHAT_API_URL: `${fake.url}/v1`, CHAT_API_KEY: OpenAiChatFake.API_KEY, LOCAL_SPEECH: opts.silent ? 'silent' : 'audio' } });
  stopOnSignals([platform.stop, () => fake.stop()]);
  try {
    const created = await call(platform.apiUrl, platform.apiKey, '/v1/streaming.new', { quality: 'low' });
    await call(platform.apiUrl, platform.apiKey, '/v1/streaming.start', { session_id: created.session_id });
    const ws = new WebSocket(`${platform.wsUrl}/ws/${created.session_id}?token=${encodeURIComponent(created.access_token)}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const firstFrame = new Map();
    let waiting;
    ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      if (event.type === 'frame' && !firstFrame.has(event.task_id)) firstFrame.set(event.task_id, performance.now());
      if (event.type === 'status' && event.status === 'idle' && waiting) waiting();
    });
    const idle = () => new Promise((resolve) => (waiting = resolve));
    const tokenToFrame = [];
    const sentenceToFrame = [];
    const endToFrame = [];
    const floor = [];
    for (let n = 0; n < opts.turns; n++) {
      const before = new Set(firstFrame.keys());
      const turn = await streamTurn(platform.apiUrl, platform.apiKey, created.session_id, n);
      // Every sentence was queued before the stream ended: the next idle is the reply's end.
      await idle();
      const [task] = [...firstFrame.keys()].filter((id) => !before.has(id));
      tokenToFrame.push(firstFrame.get(task) - turn.deltas[0]);
      // The first sentence is known complete when the next word arrives (the splitter waits for the space after its full stop).
      sentenceToFrame.push(firstFrame.get(task) - turn.deltas[words(SENTENCES[0]).length]);
      endToFrame.push(firstFrame.get(task) - turn.end);
      // The floor: the first sentence alone, straight to avatar.speak.
      const spoken = idle();
      const sent = performance.now();
      const { task_id: floorTask } = await call(platform.apiUrl, platform.apiKey, '/v1/avatar.speak', { session_id: created.session_id, text: SENTENCES[0] });
      await spoken;
      floor.push(firstFrame.get(floorTask) - sent);
      await sleep(50);
    }
    ws.close();
    const row = (name, values) => [name, ms(percentile(values, 50)), ms(percentile(values, 95)), ms(maxOf(values))];
    console.log(`chat → avatar, ${opts.turns} turns of a ${SENTENCES.length}-sentence reply streamed at ${opts.chunkMs} ms a word, local provider ${opts.silent ? 'silent' : 'with espeak-ng audio'}`);
    console.log(
      table([
        ['', 'p50', 'p95', 'max'],
        row('first token → first frame of the reply', tokenToFrame),
        row('first sentence complete → first frame', sentenceToFrame),
        row('reply stream end → first frame (negative: speaking before the end)', endToFrame),
        row('floor: avatar.speak of the first sentence → first frame', floor),
      ]),
    );
  } finally {
    await platform.stop();
    await fake.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
