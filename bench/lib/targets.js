'use strict';
// One client interface over the platform's public API and the floor, so a driver
// runs the same loop against both:
//   openSession() → { id, socket }   (socket: an EventSocket on the session's events)
//   speak(session, text) → task_id;  interrupt(session);  closeSession(session)
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');

async function postJson(url, body, headers = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

// A WebSocket whose events can be awaited: waitFor(predicate) resolves with the
// arrival time (performance.now()) of the first matching event from now on.
class EventSocket {
  constructor(ws) {
    this.ws = ws;
    this.waiters = new Set();
    this.received = 0;
    this.firstOfTask = new Map(); // task_id → arrival of its first task.started or frame
    this.taskWaiters = new Map(); // task_id → resolve
    ws.on('message', (data) => {
      const at = performance.now();
      this.received++;
      const event = JSON.parse(String(data));
      if ((event.type === 'task.started' || event.type === 'frame') && !this.firstOfTask.has(event.task_id)) {
        this.firstOfTask.set(event.task_id, at);
        this.taskWaiters.get(event.task_id)?.(at);
        this.taskWaiters.delete(event.task_id);
      }
      for (const waiter of this.waiters) {
        if (!waiter.predicate(event)) continue;
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(at);
      }
    });
  }

  static open(url, options) {
    const ws = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new EventSocket(ws)));
      ws.once('unexpected-response', (_, res) => reject(Object.assign(new Error(`WebSocket refused: HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  waitFor(predicate, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error('timed out waiting for an event'));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  // Arrival of the task's first event (task.started or a frame), also when it came
  // before the speak request was answered.
  firstEventOf(taskId, timeoutMs = 30_000) {
    if (this.firstOfTask.has(taskId)) return Promise.resolve(this.firstOfTask.get(taskId));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.taskWaiters.delete(taskId);
        reject(new Error(`timed out waiting for the first event of task ${taskId}`));
      }, timeoutMs);
      this.taskWaiters.set(taskId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  close() {
    this.ws.close();
  }
}

function platformTarget(platform) {
  const auth = { authorization: `Bearer ${platform.apiKey}` };
  const api = (route, body) => postJson(platform.apiUrl + route, body, auth);
  return {
    name: 'platform',
    async openSession() {
      const created = await api('/v1/streaming.new', { quality: 'medium' });
      // Right after start-up the worker may not answer yet (503): try again for a while.
      for (let deadline = Date.now() + 30_000; ; ) {
        try {
          await api('/v1/streaming.start', { session_id: created.session_id });
          break;
        } catch (error) {
          if (!/: 503 /.test(error.message) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const socket = await EventSocket.open(`${platform.wsUrl}/ws/${created.session_id}?token=${encodeURIComponent(created.access_token)}`);
      return { id: created.session_id, socket };
    },
    async speak(session, text) {
      return (await api('/v1/avatar.speak', { session_id: session.id, text })).task_id;
    },
    async interrupt(session) {
      await api('/v1/streaming.interrupt', { session_id: session.id });
    },
    async closeSession(session) {
      session.socket.close();
      await api('/v1/streaming.stop', { session_id: session.id }).catch(() => undefined);
    },
  };
}

function floorTarget(floor, name = 'floor') {
  return {
    name,
    async openSession() {
      const id = randomUUID();
      return { id, socket: await EventSocket.open(`${floor.wsUrl}/ws/${id}`) };
    },
    async speak(session, text) {
      return (await postJson(`${floor.apiUrl}/speak`, { session_id: session.id, text })).task_id;
    },
    async interrupt(session) {
      await postJson(`${floor.apiUrl}/interrupt`, { session_id: session.id });
    },
    async closeSession(session) {
      session.socket.close();
    },
  };
}

module.exports = { EventSocket, postJson, platformTarget, floorTarget };
