'use strict';
// A stand-in OpenTelemetry collector for benches: accepts OTLP/HTTP trace exports
// (POST /v1/traces, protobuf or JSON), answers 200 with an empty (valid) response and
// counts requests and bytes; nothing is decoded or kept. Runs in its own process (as a
// collector would), so receiving spans costs the apps' machine what it would, and the
// bench driver nothing.
//   const sink = await startOtlpSink();  sink.url  await sink.stats()  await sink.stop()
const http = require('node:http');
const path = require('node:path');
const { fork } = require('node:child_process');

function startOtlpSink() {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = new Map();
  let nextId = 0;
  child.on('message', (message) => {
    if (message.ready) return;
    replies.get(message.id)?.(message);
    replies.delete(message.id);
  });
  const ask = (type) =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      child.send({ id, type });
    });
  const ready = new Promise((resolve, reject) => {
    child.once('message', (message) => (message.ready ? resolve(message.port) : reject(new Error('OTLP sink did not start'))));
    child.once('exit', () => reject(new Error('OTLP sink exited')));
  });
  return ready.then((port) => ({
    url: `http://127.0.0.1:${port}`,
    stats: () => ask('stats').then(({ requests, bytes }) => ({ requests, bytes })),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  }));
}

function serve() {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': req.headers['content-type'] || 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.on('message', (message) => {
      if (message.type === 'stats') process.send({ id: message.id, requests, bytes });
    });
    process.send({ ready: true, port: server.address().port });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module && process.argv.includes('--serve')) serve();

module.exports = { startOtlpSink, SINK_SCRIPT: path.resolve(__filename) };
