#!/usr/bin/env node
'use strict';
// Container health check without curl (the slim image has none):
//   node docker/healthcheck.js http://127.0.0.1:8000/health/ready
// Exit 0 when the URL answers 200 within the timeout, 1 otherwise (the status or error
// on stderr, which `docker inspect` shows). Used by docker-compose.yml.
const url = process.argv[2];
const timeoutMs = Number(process.argv[3] ?? 3000);
if (!url) {
  console.error('usage: healthcheck.js <url> [timeout-ms]');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
  (response) => {
    if (response.status !== 200) console.error(`${url}: ${response.status}`);
    process.exit(response.status === 200 ? 0 : 1);
  },
  (error) => {
    console.error(`${url}: ${error.message}`);
    process.exit(1);
  },
);
