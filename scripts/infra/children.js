'use strict';
// Server processes started by this library, and the guarantees that none outlives
// its parent:
//  - every child is tracked until it exits;
//  - on process 'exit' each remaining child gets its stop signal (synchronously: an
//    exit hook cannot wait);
//  - on SIGINT/SIGTERM/SIGHUP, when nobody else handles the signal, the same, then
//    the signal is re-raised so the exit status stays conventional. A launcher that
//    wants its own shutdown order calls leaveSignalsToCaller();
//  - a detached watchdog process (watchdog.js) stops them if the parent dies in a
//    way no hook sees (SIGKILL, crash in native code).
// Servers are spawned detached (own process group) so Ctrl-C in a terminal reaches
// only the parent, which then stops them in order.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const tracked = new Set();
let hooksInstalled = false;
let signalsOwnedByCaller = false;
let watchdog = null;

function spawnServer({ command, args, logFile, env = process.env, cwd, uid, gid, stopSignal = 'SIGTERM' }) {
  const out = fs.openSync(logFile, 'a');
  const logStart = fs.fstatSync(out).size; // error tails show this run only
  let child;
  try {
    child = spawn(command, args, { stdio: ['ignore', out, out], env, cwd, uid, gid, detached: true });
  } finally {
    fs.closeSync(out);
  }
  child.logStart = logStart;
  return trackChild(child, stopSignal);
}

// Puts any child process (servers here, the apps of the dev launcher) under the
// guarantees above. Adds `stopSignal` and an `exited` promise to it.
function trackChild(child, stopSignal = 'SIGTERM') {
  installHooks();
  child.stopSignal = stopSignal;
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      child.spawnError = error;
      resolve({ code: null, signal: null, error });
    });
  });
  if (child.pid) {
    tracked.add(child);
    tellWatchdog(`+${child.pid} ${stopSignal}`);
  }
  child.exited.then(() => {
    tracked.delete(child);
    if (child.pid) tellWatchdog(`-${child.pid}`);
  });
  return child;
}

function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null || Boolean(child.spawnError);
}

function isRunning(child) {
  return !hasExited(child) && tracked.has(child);
}

// Sends `signal` (default: the child's stop signal) and waits for the exit; after
// timeoutMs the child is SIGKILLed so stop() always finishes.
async function stopChild(child, { signal = child.stopSignal, timeoutMs = 15_000 } = {}) {
  if (!isRunning(child)) return child.exited;
  try {
    process.kill(child.pid, signal);
  } catch {}
  return waitForExit(child, timeoutMs);
}

async function waitForExit(child, timeoutMs) {
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'timeout');
  });
  const result = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {}
  return child.exited;
}

function killAllSync() {
  for (const child of tracked) {
    try {
      process.kill(child.pid, child.stopSignal);
    } catch {}
  }
}

function leaveSignalsToCaller() {
  signalsOwnedByCaller = true;
}

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      if (signalsOwnedByCaller) return;
      if (process.listenerCount(signal) > 1) {
        // Someone else handles it; if they neither exit nor stop us in time, we do.
        setTimeout(() => {
          killAllSync();
          process.exit(1);
        }, 5_000).unref();
        return;
      }
      killAllSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function tellWatchdog(line) {
  if (!watchdog) {
    watchdog = spawn(process.execPath, [path.join(__dirname, 'watchdog.js')], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.on('error', () => {}); // a missing watchdog only weakens the SIGKILL case
    watchdog.stdin.on('error', () => {});
    watchdog.unref();
    watchdog.stdin.unref();
  }
  watchdog.stdin.write(`${line}\n`);
}

function logTail(logFile, { from = 0, lines = 30 } = {}) {
  try {
    const text = fs.readFileSync(logFile).subarray(from).toString('utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

module.exports = { spawnServer, trackChild, stopChild, waitForExit, hasExited, isRunning, leaveSignalsToCaller, logTail };
