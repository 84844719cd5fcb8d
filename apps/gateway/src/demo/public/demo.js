// The browser demo: the SDK's browser mode with a session token only. The page never
// holds an API key: the gateway's /demo/api creates the session for the demo tenant and
// hands back its access token, which authorizes this session's calls and its socket.
import { SessionConnection } from '/demo/sdk.js';

const LOG_LINES = 200;
const TRANSCRIPT_LINES = 50;
/** Audio is scheduled this far ahead of "now" at least, so a chunk decoded late does not clip. */
const AUDIO_LEAD_SECONDS = 0.05;

const $ = (id) => document.getElementById(id);
const ui = {
  connState: $('conn-state'),
  avatarStatus: $('avatar-status'),
  face: $('face'),
  viseme: $('viseme'),
  frameCount: $('frame-count'),
  visemeCount: $('viseme-count'),
  audioCount: $('audio-count'),
  billing: $('billing'),
  billedDuration: $('billed-duration'),
  billedSeconds: $('billed-seconds'),
  stopReason: $('stop-reason'),
  providerNote: $('provider-note'),
  sessionForm: $('session-form'),
  provider: $('provider'),
  avatar: $('avatar'),
  start: $('start'),
  stop: $('stop'),
  sessionId: $('session-id'),
  sayForm: $('say-form'),
  text: $('text'),
  speak: $('speak'),
  chat: $('chat'),
  interrupt: $('interrupt'),
  transcript: $('transcript'),
  log: $('log'),
  clearLog: $('clear-log'),
};

/** The running session: {id, token, provider, conn, stopped}; null before Start and after it ends. */
let session = null;
let catalog = { providers: [], avatars: [], default_provider: null };
const stats = { frames: 0, visemes: new Set(), audioChunks: 0 };

// ---------------------------------------------------------------- the gateway's /demo/api

class ApiError extends Error {
  constructor(status, envelope) {
    const error = envelope?.error;
    super(error ? `${error.code}: ${error.message}` : `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
  }
}

/** JSON in, JSON out; `token`: the session's access token (its routes need it). */
async function call(path, { method = 'GET', body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const sessionCall = (action, body) => call(`/demo/api/sessions/${session.id}/${action}`, { method: 'POST', body, token: session.token });

// ---------------------------------------------------------------- audio (Web Audio)

/**
 * Each `audio` event is a base64 WAV of about a second: decoded with the AudioContext and
 * scheduled right after the previous chunk, so the chunks play back to back. Decoding is
 * chained to keep their order. An interrupt drops what is scheduled.
 */
class AudioPlayer {
  constructor() {
    this.context = null;
    this.nextAt = 0;
    this.sources = new Set();
    this.chain = Promise.resolve();
    this.generation = 0;
  }

  /** Called from the Start click: browsers let an AudioContext play only after a user gesture. */
  async unlock() {
    try {
      this.context ??= new AudioContext();
      if (this.context.state === 'suspended') await this.context.resume();
    } catch (err) {
      log('audio', `unavailable: ${err.message}`, 'error');
    }
  }

  enqueue(base64, onDecoded) {
    if (!this.context) return;
    const generation = this.generation;
    const bytes = base64ToBytes(base64);
    this.chain = this.chain
      .then(() => this.context.decodeAudioData(bytes.buffer))
      .then((buffer) => {
        onDecoded();
        if (generation !== this.generation) return; // interrupted meanwhile
        const source = this.context.createBufferSource();
        source.buffer = buffer;
        source.connect(this.context.destination);
        const at = Math.max(this.context.currentTime + AUDIO_LEAD_SECONDS, this.nextAt);
        source.start(at);
        this.nextAt = at + buffer.duration;
        this.sources.add(source);
        source.onended = () => this.sources.delete(source);
      })
      .catch((err) => log('audio', `a chunk could not be decoded: ${err.message ?? err}`, 'error'));
  }

  /** Silence now: what is playing or scheduled stops, chunks still decoding are dropped. */
  flush() {
    this.generation += 1;
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // never started
      }
    }
    this.sources.clear();
    this.nextAt = 0;
  }
}

function base64ToBytes(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const audio = new AudioPlayer();

// ---------------------------------------------------------------- what the page shows

function clock() {
  const now = new Date();
  return `${now.toLocaleTimeString([], { hour12: false })}.${String(now.getMilliseconds()).padStart(3, '0')}`;
}

/** One line at the bottom of the event log (the oldest go past LOG_LINES). kind: event | page | error. */
function log(type, detail = '', kind = 'page') {
  const line = document.createElement('li');
  line.dataset.type = type;
  line.dataset.kind = kind;
  const time = document.createElement('time');
  time.textContent = clock();
  const name = document.createElement('b');
  name.textContent = type;
  line.append(time, name, document.createTextNode(detail));
  const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 24;
  ui.log.append(line);
  while (ui.log.childElementCount > LOG_LINES) ui.log.firstElementChild.remove();
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

const shortId = (id) => (typeof id === 'string' ? id.slice(0, 8) : '');
/** Seconds for the log: two decimals. */
const secs = (value) => (typeof value === 'number' ? `${Math.round(value * 100) / 100} s` : '– s');

/** What the log says about a lifecycle event. */
function describe(event) {
  switch (event.type) {
    case 'task.started':
      return `task ${shortId(event.task_id)} (about ${secs(event.duration_estimate)}${event.attempt > 1 ? `, attempt ${event.attempt}` : ''})`;
    case 'task.completed':
      return `task ${shortId(event.task_id)} in ${secs(event.duration)}`;
    case 'task.interrupted':
      return `task ${shortId(event.task_id)}`;
    case 'task.failed':
      return `task ${shortId(event.task_id)}: ${event.error}`;
    case 'status':
      return `${event.status}${event.message ? ` (${event.message})` : ''}`;
    case 'chat':
      return `${event.role}: ${event.content}`;
    case 'error':
      return `${event.code}: ${event.message}`;
    case 'session.stopped':
      return `duration ${event.duration} s, billed ${event.billed_seconds ?? '–'} s, ${event.reason}`;
    default:
      return '';
  }
}

function showStats() {
  ui.frameCount.textContent = String(stats.frames);
  ui.visemeCount.textContent = String(stats.visemes.size);
  ui.audioCount.textContent = String(stats.audioChunks);
  ui.face.dataset.frames = String(stats.frames);
  ui.face.dataset.visemes = [...stats.visemes].sort().join(',');
  ui.face.dataset.audioChunks = String(stats.audioChunks);
}

function showFrame(frame) {
  ui.face.src = `data:${frame.mime_type};base64,${frame.data}`;
  ui.face.dataset.viseme = frame.viseme;
  ui.viseme.textContent = frame.viseme;
  stats.frames += 1;
  stats.visemes.add(frame.viseme);
  showStats();
}

function addTranscript(role, content) {
  const line = document.createElement('li');
  line.dataset.role = role;
  const who = document.createElement('b');
  who.textContent = role === 'user' ? 'You' : 'Avatar';
  line.append(who, document.createTextNode(content));
  ui.transcript.append(line);
  while (ui.transcript.childElementCount > TRANSCRIPT_LINES) ui.transcript.firstElementChild.remove();
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function showBilling({ duration, billed_seconds: billed, reason }) {
  ui.billedDuration.textContent = String(duration);
  ui.billedSeconds.textContent = billed === undefined ? '–' : String(billed);
  ui.stopReason.textContent = reason && reason !== 'client_stop' ? ` (${reason})` : '';
  ui.billing.hidden = false;
}

/** Buttons follow the session: Start without one; the rest while it runs. */
function setRunning(running) {
  ui.start.disabled = running || !ui.provider.value;
  ui.provider.disabled = running;
  ui.avatar.disabled = running;
  for (const button of [ui.stop, ui.speak, ui.chat, ui.interrupt]) button.disabled = !running;
}

// ---------------------------------------------------------------- catalog

function fillAvatars() {
  const provider = ui.provider.value;
  ui.avatar.replaceChildren(
    ...catalog.avatars
      .filter((a) => a.provider === provider)
      .map((a) => {
        const option = new Option(a.name, a.id);
        option.title = a.id;
        return option;
      }),
  );
  if (ui.avatar.childElementCount === 0) ui.avatar.append(new Option('(provider default)', ''));
}

async function loadCatalog() {
  try {
    catalog = await call('/demo/api/catalog');
  } catch (err) {
    log('catalog', err.message, 'error');
    return;
  }
  ui.provider.replaceChildren(
    ...catalog.providers.map((p) => {
      const option = new Option(p.available ? p.name : `${p.name} (not configured)`, p.name);
      option.disabled = !p.available;
      return option;
    }),
  );
  if (catalog.default_provider) ui.provider.value = catalog.default_provider;
  fillAvatars();
  for (const gap of catalog.unavailable ?? []) log('catalog', `${gap.provider}: ${gap.code} ${gap.message}`, 'error');
  setRunning(false);
}

// ---------------------------------------------------------------- the session

async function startSession() {
  ui.start.disabled = true;
  await audio.unlock();
  stats.frames = 0;
  stats.visemes.clear();
  stats.audioChunks = 0;
  showStats();
  ui.billing.hidden = true;
  ui.providerNote.hidden = true;
  ui.transcript.replaceChildren();
  const request = { provider: ui.provider.value };
  if (ui.avatar.value) request.avatar_id = ui.avatar.value;
  log('start', `${request.provider}${request.avatar_id ? `, avatar ${request.avatar_id}` : ''}`);
  let created;
  try {
    created = await call('/demo/api/sessions', { method: 'POST', body: request });
  } catch (err) {
    log('start', err.message, 'error');
    setRunning(false);
    return;
  }
  const current = { id: created.session_id, token: created.access_token, provider: created.provider, conn: null, stopped: false };
  session = current;
  ui.sessionId.textContent = current.id;
  log('session', `${current.id} on ${current.provider}`);
  if (current.provider !== 'local') {
    ui.providerNote.textContent = `${current.provider} streams its video through its own SDK: this page shows the session's events, not its picture.`;
    ui.providerNote.hidden = false;
  }

  const conn = new SessionConnection({
    wsUrl: created.ws_url,
    sessionId: current.id,
    token: current.token,
    // A fresh token before this one expires, asked with this one.
    refreshToken: async () => {
      const fresh = await call(`/demo/api/sessions/${current.id}/token`, { method: 'POST', token: current.token });
      current.token = fresh.access_token;
      log('token', `refreshed (expires in ${fresh.expires_in} s)`);
      return fresh.access_token;
    },
  });
  current.conn = conn;
  conn.on('state', (state) => {
    ui.connState.dataset.state = state;
    ui.connState.textContent = `socket: ${state}`;
  });
  conn.on('frame', showFrame);
  conn.on('audio', (event) =>
    audio.enqueue(event.data, () => {
      stats.audioChunks += 1;
      showStats();
    }),
  );
  conn.on('status', (event) => {
    ui.avatarStatus.dataset.status = event.status;
    ui.avatarStatus.textContent = `avatar: ${event.status}`;
  });
  conn.on('event', (event) => log(event.type, describe(event), 'event'));
  conn.on('chat', (event) => addTranscript(event.role, event.content));
  conn.on('task.interrupted', () => audio.flush());
  conn.on('session.stopped', (event) => {
    showBilling(event);
    ended(current);
  });
  try {
    await conn.connect();
  } catch (err) {
    log('socket', err.message ?? String(err), 'error');
  }
  if (!current.stopped) setRunning(true);
}

function ended(which) {
  if (which.stopped) return;
  which.stopped = true;
  audio.flush();
  if (session === which) {
    session = null;
    setRunning(false);
  }
}

async function stopSession() {
  const current = session;
  if (!current) return;
  ui.stop.disabled = true;
  try {
    const answer = await sessionCall('stop');
    log('stop', `duration ${answer.duration} s, billed ${answer.billed_seconds} s`);
    showBilling(answer);
  } catch (err) {
    log('stop', err.message, 'error');
  }
  ended(current);
  // The server closes the socket after session.stopped; this only makes sure.
  setTimeout(() => current.conn?.disconnect(), 2000);
}

async function say(action) {
  if (!session) return;
  const text = ui.text.value.trim();
  if (!text) {
    log(action, 'nothing to say', 'error');
    return;
  }
  log(action, text.length > 80 ? `${text.slice(0, 80)}…` : text);
  try {
    if (action === 'speak') {
      const answer = await sessionCall('speak', { text });
      log('speak', `→ task ${shortId(answer.task_id)}, about ${secs(answer.duration_estimate)}`);
    } else {
      const answer = await sessionCall('chat', { text });
      log('chat', `→ reply ${answer.finish_reason}, ${answer.task_ids.length} sentence(s) spoken`);
    }
  } catch (err) {
    log(action, err.message, 'error');
  }
}

async function interrupt() {
  if (!session) return;
  audio.flush();
  try {
    const answer = await sessionCall('interrupt');
    log('interrupt', `${answer.interrupted_task_ids.length} task(s) interrupted`);
  } catch (err) {
    log('interrupt', err.message, 'error');
  }
}

// ---------------------------------------------------------------- wiring

ui.provider.addEventListener('change', () => {
  fillAvatars();
  setRunning(false);
});
ui.sessionForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void startSession();
});
ui.stop.addEventListener('click', () => void stopSession());
ui.sayForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void say('speak');
});
ui.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (!ui.speak.disabled) void say('speak');
  }
});
ui.chat.addEventListener('click', () => void say('chat'));
ui.interrupt.addEventListener('click', () => void interrupt());
ui.clearLog.addEventListener('click', () => ui.log.replaceChildren());
// Closing or reloading the page stops its session (billing ends now, not at the idle timeout).
window.addEventListener('pagehide', () => {
  if (!session) return;
  fetch(`/demo/api/sessions/${session.id}/stop`, { method: 'POST', keepalive: true, headers: { authorization: `Bearer ${session.token}` } }).catch(() => undefined);
  session.conn?.disconnect();
});

setRunning(false);
void loadCatalog();
