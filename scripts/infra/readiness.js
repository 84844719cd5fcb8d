'use strict';
// Waiting for a freshly spawned server: poll a probe until it succeeds, fail early
// if the process exits, and time out with the server's own log so the cause (port
// in use, bad data dir, permission) is in the error message.
const { hasExited, logTail } = require('./children');

async function waitUntilReady({ name, child, logFile, probe, timeoutMs = 20_000, intervalMs = 25 }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    if (hasExited(child)) {
      const how = child.spawnError ? child.spawnError.message : `code ${child.exitCode}, signal ${child.signalCode}`;
      throw failure(`${name} exited during startup (${how})`, logFile, child.logStart);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last probe error: ${lastError.message})` : '';
      throw failure(`${name} was not ready within ${timeoutMs} ms${why}`, logFile, child.logStart);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function failure(message, logFile, from) {
  return new Error(`${message}\n--- ${logFile} (tail) ---\n${logTail(logFile, { from }) || '(empty)'}`);
}

module.exports = { waitUntilReady, failure };
