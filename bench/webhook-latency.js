#!/usr/bin/env node
'use strict';
// Webhook delivery latency against a running platform (start one with
// `RATE_LIMITS=off npm start` in another terminal: the default limit of 10 sessions a
// minute would stop the run).
//
//   npm run bench:webhooks -- [--sessions 20] [--concurrency 1]
//                             [--api http://127.0.0.1:8000] [--key <api key>]
//                             [--admin-token <token>] [--tenant <tenant id of the key>]
//
// Starts a local receiver, registers it (admin API) for session.started and
// session.stopped of the tenant, runs N sessions (start, then stop), and prints
// p50/p95/max of event emitted → receiver got it (the event's data.occurred_at to the
// request's arrival; one machine, one clock), split at the outbox insert (the
// delivery's created_at). Every request's signature is checked as a receiver would.
// The endpoint is deleted at the end.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { flags, percentile, maxOf, ms, table, sleep } = require('./lib/stats');

const RUN_DIR = path.join(__dirname, '..', '.run');
const kept = (name) => (fs.existsSync(path.join(RUN_DIR, name)) ? fs.readFileSync(path.join(RUN_DIR, name), 'utf8').trim() : '');
const DEV_TENANT_ID = '00000000-0000-4000-8000-00000000de00';

/** What a receiver does (docs/adr/0010): HMAC-SHA256 of "<timestamp>.<raw body>" with the secret, compared in constant time, timestamp within 5 min. */
function verify(secret, headers, raw) {
  const timestamp = headers['webhook-timestamp'];
  if (!/^\d+$/.test(timestamp || '') || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest();
  return String(headers['webhook-signature'] || '')
    .split(' ')
    .some((part) => part.startsWith('v1=') && part.length === 67 && crypto.timingSafeEqual(Buffer.from(part.slice(3), 'hex'), expected));
}

async function call(url, method, token, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const opts = flags({
    sessions: 20,
    concurrency: 1,
    api: 'http://127.0.0.1:8000',
    key: process.env.DEV_API_KEY || kept('dev-api-key'),
    adminToken: process.env.ADMIN_TOKEN || kept('admin-token'),
    tenant: DEV_TENANT_ID,
  });
  if (!opts.key || !opts.adminToken) throw new Error('no API key or admin token: pass --key/--admin-token or run `npm start` first (it writes .run/)');

  const received = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hooks = `${opts.api}/admin/v1/tenants/${opts.tenant}/webhooks`;
  const endpoint = await call(hooks, 'POST', opts.adminToken, { url: `http://127.0.0.1:${server.address().port}/bench`, events: ['session.started', 'session.stopped'] });

  try {
    const sessions = new Set();
    let next = 0;
    const runner = async () => {
      while (next < opts.sessions) {
        next++;
        const created = await call(`${opts.api}/v1/streaming.new`, 'POST', opts.key, { quality: 'medium' });
        await call(`${opts.api}/v1/streaming.start`, 'POST', opts.key, { session_id: created.session_id });
        await call(`${opts.api}/v1/streaming.stop`, 'POST', opts.key, { session_id: created.session_id });
        sessions.add(created.session_id);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, runner));

    const mine = () => received.filter((r) => sessions.has(r.body.data.session_id));
    const deadline = Date.now() + 60_000;
    while (mine().length < sessions.size * 2 && Date.now() < deadline) await sleep(50);
    const got = mine();
    const total = got.map((r) => r.at - Date.parse(r.body.data.occurred_at));
    const recorded = got.map((r) => Date.parse(r.body.created_at) - Date.parse(r.body.data.occurred_at));
    const sent = got.map((r) => r.at - Date.parse(r.body.created_at));
    const row = (name, values) => [name, ms(percentile(values, 50)), ms(percentile(values, 95)), ms(maxOf(values))];
    console.log(`${got.length} of ${sessions.size * 2} deliveries received, ${got.filter((r) => !verify(endpoint.secret, r.headers, r.raw)).length} with a bad signature`);
    console.log(table([['', 'p50', 'p95', 'max'], row('event → received', total), row('event → recorded', recorded), row('recorded → received', sent)]));
  } finally {
    await fetch(`${hooks}/${endpoint.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${opts.adminToken}` } });
    server.closeAllConnections();
    server.close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
