#!/usr/bin/env node
'use strict';
// The floor: the least code doing the platform's speak-path hops, one role per
// process like the platform's apps (node floor.js api|worker|relay):
//
//   api     Fastify   POST /speak {session_id, text} → BullMQ add → {task_id}
//                     POST /interrupt {session_id}   → core NATS floor.cmd.<session>.interrupt
//   worker  BullMQ    speaks a task: task.started, frames at 25 fps for the text's
//                     duration at 150 wpm, task.completed + status idle, on core NATS
//                     floor.evt.<session>; an interrupt aborts it: task.interrupted + status idle
//   relay   ws        /ws/<session>: one NATS subscription per session, shared by its sockets
//
// No database, no auth, no validation, no durability: what is left is the cost of
// the wire. Environment: REDIS_URL, NATS_URL, PORT (api, relay).
const { randomUUID } = require('node:crypto');

const QUEUE = 'floor-speech';
const FPS = 25;
const WORDS_PER_MINUTE = 150;
const FRAME_DATA = Buffer.alloc(420, 'floor').toString('base64'); // about a local-provider frame
const redisConnection = () => {
  const url = new URL(process.env.REDIS_URL);
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
};
const evtSubject = (session) => `floor.evt.${session}`;

async function nats() {
  const { connect } = require('@nats-io/transport-node');
  return connect({ servers: process.env.NATS_URL });
}

async function api() {
  const fastify = require('fastify')();
  const { Queue } = require('bullmq');
  const queue = new Queue(QUEUE, { connection: redisConnection() });
  const nc = await nats();
  fastify.post('/speak', async (request) => {
    const { session_id, text } = request.body;
    const task_id = randomUUID();
    await queue.add('speak', { session_id, task_id, text }, { removeOnComplete: true, removeOnFail: true });
    return { task_id, status: 'processing' };
  });
  fastify.post('/interrupt', async (request) => {
    nc.publish(`floor.cmd.${request.body.session_id}.interrupt`, '');
    return { status: 'interrupted' };
  });
  await fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
  console.log('floor api ready');
}

async function worker() {
  const { Worker } = require('bullmq');
  const nc = await nats();
  const running = new Map(); // session → AbortController
  const publish = (session, event) => nc.publish(evtSubject(session), JSON.stringify(event));
  const sub = nc.subscribe('floor.cmd.*.interrupt');
  (async () => {
    for await (const msg of sub) {
      const session = msg.subject.split('.')[2];
      const speaking = running.get(session);
      if (speaking) speaking.abort();
      else publish(session, { type: 'status', status: 'idle', message: 'nothing to interrupt' });
    }
  })();
  const speak = async (job) => {
    const { session_id: session, task_id, text } = job.data;
    const controller = new AbortController();
    running.set(session, controller);
    const seconds = (text.trim().split(/\s+/).length / WORDS_PER_MINUTE) * 60;
    const frames = Math.max(1, Math.round(seconds * FPS));
    publish(session, { type: 'task.started', task_id, duration_estimate: seconds });
    const t0 = Date.now();
    for (let i = 0; i < frames && !controller.signal.aborted; i++) {
      const due = t0 + i * (1000 / FPS) - Date.now();
      if (due > 0) await abortableSleep(due, controller.signal);
      if (controller.signal.aborted) break;
      publish(session, { type: 'frame', task_id, frame_id: i + 1, timestamp: Date.now() / 1000, viseme: 'A', data: FRAME_DATA, mime_type: 'image/svg+xml' });
    }
    running.delete(session);
    if (controller.signal.aborted) publish(session, { type: 'task.interrupted', task_id });
    else publish(session, { type: 'task.completed', task_id, duration: (Date.now() - t0) / 1000 });
    publish(session, { type: 'status', status: 'idle', message: controller.signal.aborted ? 'interrupted' : 'done' });
  };
  new Worker(QUEUE, speak, { connection: redisConnection(), concurrency: 100 });
  console.log('floor worker ready');
}

function abortableSleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function relay() {
  const http = require('node:http');
  const { WebSocketServer } = require('ws');
  const nc = await nats();
  const sessions = new Map(); // session → { sub, sockets }
  const server = http.createServer((req, res) => res.writeHead(200).end('ok'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    const session = /^\/ws\/([\w-]+)/.exec(request.url)?.[1];
    if (!session) return socket.close(1008, 'no session');
    let entry = sessions.get(session);
    if (!entry) {
      const sub = nc.subscribe(evtSubject(session));
      entry = { sub, sockets: new Set() };
      sessions.set(session, entry);
      const sockets = entry.sockets;
      (async () => {
        for await (const msg of sub) {
          const text = msg.string();
          for (const s of sockets) s.send(text);
        }
      })();
    }
    entry.sockets.add(socket);
    socket.on('close', () => {
      entry.sockets.delete(socket);
      if (entry.sockets.size === 0 && sessions.get(session) === entry) {
        sessions.delete(session);
        entry.sub.unsubscribe();
      }
    });
  });
  await new Promise((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));
  console.log('floor relay ready');
}

const roles = { api, worker, relay };
const role = roles[process.argv[2]];
if (!role) {
  console.error('usage: floor.js api|worker|relay');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
role().catch((error) => {
  console.error(`floor ${process.argv[2]}: ${error.stack}`);
  process.exit(1);
});
