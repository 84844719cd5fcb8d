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
//
// With FLOOR_DURABLE=1 (and DATABASE_URL) it is the durable floor: the same hops
// plus only the durability the core issue asks of the platform, each the cheapest
// way (prepared statements, no ORM): a row per task written before its job is queued
// (api), claimed before task.started and ended before its terminal event (worker),
// marked by an interrupt (api); lifecycle events published to a JetStream stream with
// an ack (frames stay on core NATS); a history recorder reading the lifecycle events
// from a durable consumer and writing them in batches (worker, 20 ms linger, one
// INSERT, acks after the write). No sessions, order, auth or validation: what it adds
// to the floor is what durability alone costs on this machine.
const { randomUUID } = require('node:crypto');
const DURABLE = process.env.FLOOR_DURABLE === '1';

const QUEUE = 'floor-speech';
const FPS = 25;
const WORDS_PER_MINUTE = 150;
const FRAME_DATA = Buffer.alloc(420, 'floor').toString('base64'); // about a local-provider frame
const redisConnection = () => {
  const url = new URL(process.env.REDIS_URL);
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
};
const evtSubject = (session) => `floor.evt.${session}`;
// Durable: lifecycle events on floor.evt.<session>.life (in the stream), frames on .media.
const STREAM = 'FLOOR_EVENTS';
const lifeSubject = (session) => `floor.evt.${session}.life`;
const isMedia = (event) => event.type === 'frame';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS floor_tasks (id uuid PRIMARY KEY, session_id uuid NOT NULL, text text NOT NULL,
    status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, ended_at timestamptz,
    interrupt_requested_at timestamptz);
  CREATE INDEX IF NOT EXISTS floor_tasks_session ON floor_tasks (session_id, status);
  CREATE TABLE IF NOT EXISTS floor_events (id bigserial PRIMARY KEY, session_id uuid NOT NULL, stream_seq bigint NOT NULL,
    type text NOT NULL, payload jsonb NOT NULL, UNIQUE (session_id, stream_seq));`;

function database() {
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 0 });
  return (name, text, values) => pool.query({ name, text, values }).then((r) => r.rows);
}

async function nats() {
  const { connect } = require('@nats-io/transport-node');
  return connect({ servers: process.env.NATS_URL });
}

async function api() {
  const fastify = require('fastify')();
  const { Queue } = require('bullmq');
  const queue = new Queue(QUEUE, { connection: redisConnection() });
  const nc = await nats();
  const db = DURABLE ? database() : null;
  if (db) await db(null, SCHEMA); // unnamed, no values: several statements in one go
  fastify.post('/speak', async (request) => {
    const { session_id, text } = request.body;
    const task_id = randomUUID();
    if (db) await db('insert_task', `INSERT INTO floor_tasks (id, session_id, text, status) VALUES ($1, $2, $3, 'queued')`, [task_id, session_id, text]);
    await queue.add('speak', { session_id, task_id, text }, { removeOnComplete: true, removeOnFail: true });
    return { task_id, status: 'processing' };
  });
  fastify.post('/interrupt', async (request) => {
    if (db) await db('mark_interrupt', `UPDATE floor_tasks SET interrupt_requested_at = now() WHERE session_id = $1 AND status = 'speaking'`, [request.body.session_id]);
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
  const durable = DURABLE ? await durableWorker(nc) : null;
  const publish = (session, event) =>
    durable && !isMedia(event) ? durable.publish(session, event) : nc.publish(DURABLE ? `${evtSubject(session)}.media` : evtSubject(session), JSON.stringify(event));
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
    if (durable) await durable.db('claim', `UPDATE floor_tasks SET status = 'speaking', started_at = now() WHERE id = $1 AND status = 'queued'`, [task_id]);
    const seconds = (text.trim().split(/\s+/).length / WORDS_PER_MINUTE) * 60;
    const frames = Math.max(1, Math.round(seconds * FPS));
    await publish(session, { type: 'task.started', task_id, duration_estimate: seconds });
    const t0 = Date.now();
    for (let i = 0; i < frames && !controller.signal.aborted; i++) {
      const due = t0 + i * (1000 / FPS) - Date.now();
      if (due > 0) await abortableSleep(due, controller.signal);
      if (controller.signal.aborted) break;
      publish(session, { type: 'frame', task_id, frame_id: i + 1, timestamp: Date.now() / 1000, viseme: 'A', data: FRAME_DATA, mime_type: 'image/svg+xml' });
    }
    running.delete(session);
    const status = controller.signal.aborted ? 'interrupted' : 'completed';
    if (durable) await durable.db('end', `UPDATE floor_tasks SET status = $2, ended_at = now() WHERE id = $1`, [task_id, status]);
    await Promise.all([
      publish(session, status === 'interrupted' ? { type: 'task.interrupted', task_id } : { type: 'task.completed', task_id, duration: (Date.now() - t0) / 1000 }),
      publish(session, { type: 'status', status: 'idle', message: status === 'interrupted' ? 'interrupted' : 'done' }),
    ]);
  };
  new Worker(QUEUE, speak, { connection: redisConnection(), concurrency: 100 });
  console.log('floor worker ready');
}

// The durable floor's worker side: acked JetStream publishes, and the history recorder.
async function durableWorker(nc) {
  const { jetstream, jetstreamManager, AckPolicy } = require('@nats-io/jetstream');
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ['floor.evt.*.life'], max_age: 24 * 3600 * 1e9 });
  await jsm.consumers.add(STREAM, { durable_name: 'history', ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);
  const db = database();
  const consumer = await js.consumers.get(STREAM, 'history');
  let buffer = [];
  let flushing = null;
  const flush = async () => {
    const batch = buffer.splice(0);
    const events = batch.map((m) => ({ msg: m, event: JSON.parse(m.string()) }));
    await db(
      'history',
      `INSERT INTO floor_events (session_id, stream_seq, type, payload)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[]) ON CONFLICT DO NOTHING`,
      [events.map((e) => e.msg.subject.split('.')[2]), events.map((e) => e.msg.seq), events.map((e) => e.event.type), events.map((e) => JSON.stringify(e.event))],
    );
    for (const { msg } of events) msg.ack();
  };
  await consumer.consume({
    callback: (msg) => {
      buffer.push(msg);
      flushing ??= new Promise((resolve) => setTimeout(resolve, 20)).then(flush).finally(() => (flushing = null));
    },
  });
  return { db, publish: (session, event) => js.publish(lifeSubject(session), JSON.stringify(event)) };
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
      const sub = nc.subscribe(DURABLE ? `${evtSubject(session)}.*` : evtSubject(session));
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
