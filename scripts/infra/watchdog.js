'use strict';
// A tiny guardian process, one per parent that starts servers. The parent writes
// "+PID SIGNAL" / "-PID" lines to our stdin as it starts and stops servers. When
// stdin closes the parent is gone (exited, crashed, or SIGKILLed, where no exit
// hook runs) and we stop whatever it left: the signal first, SIGKILL if it lingers.
// Started detached so Ctrl-C in the parent's terminal does not reach us.
const fs = require('node:fs');

const live = new Map(); // pid -> { signal, started }

// The process's start time (clock ticks since boot): with the pid it names one
// process, so a pid the kernel reused for someone else is never signalled.
function startTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return null;
  }
}

function stillOurs(pid) {
  const entry = live.get(pid);
  return entry !== undefined && startTime(pid) === entry.started;
}

// A zombie (exited, parent gone, not yet reaped) still answers kill(pid, 0).
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no procfs: trust kill(pid, 0)
  }
}

function onLine(line) {
  const match = /^([+-])(\d+)(?: (\w+))?$/.exec(line.trim());
  if (!match) return;
  const pid = Number(match[2]);
  if (match[1] === '+') live.set(pid, { signal: match[3] || 'SIGTERM', started: startTime(pid) });
  else live.delete(pid);
}

function stopAll() {
  for (const [pid, { signal }] of live) {
    try {
      if (!stillOurs(pid)) throw new Error('gone');
      process.kill(pid, signal);
    } catch {
      live.delete(pid);
    }
  }
  const deadline = Date.now() + 10_000;
  const timer = setInterval(() => {
    for (const pid of live.keys()) if (!isAlive(pid) || !stillOurs(pid)) live.delete(pid);
    if (live.size === 0) process.exit(0);
    if (Date.now() > deadline) {
      for (const pid of live.keys()) {
        try {
          if (stillOurs(pid)) process.kill(pid, 'SIGKILL');
        } catch {}
      }
      process.exit(0);
    }
  }, 50);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop();
  lines.forEach(onLine);
});
process.stdin.on('end', stopAll);
process.stdin.on('error', stopAll);
