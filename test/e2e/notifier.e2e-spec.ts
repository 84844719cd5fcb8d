import path from 'node:path';
import WebSocket from 'ws';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import * as infra from '../../scripts/infra';
import { framesOf, visemeTrack } from '../../libs/providers/src';
import { EVENT_HISTORY_CONSUMER, WEBHOOK_EVENT_CONSUMERS } from '../../libs/contracts/src';
import { apiClient, ApiClient, EventSocket, openSocket, refusedStatus, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

// About 12 words: ~5 s of speech at 150 words per minute, 25 frames per second.
const SPEECH = 'The avatar keeps talking for a few seconds so that sockets join midway.';
const SOCKET_CAP = 3;

interface Closed {
  code: number;
  reason: string;
}

/** Resolves with the close code and reason of a socket (listen before anything can close it). */
function closeOf(socket: EventSocket): Promise<Closed> {
  return new Promise((resolve) => socket.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

const lifecycleOf = (events: SocketEvent[]) => events.filter((e) => e.type !== 'frame').map((e) => [e.id, e.type, e.task_id]);

describe('notifier: one subscription per session, catch-up, bounds, lifecycle of sockets', () => {
  let platform: Platform;
  let api: ApiClient;
  let nc: NatsConnection;
  let restarted: infra.RunningServer | undefined;

  beforeAll(async () => {
    platform = await startPlatform({ env: { WS_MAX_SOCKETS_PER_SESSION: String(SOCKET_CAP) } });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    // As the worker's user: it is the one that hears presence.
    nc = await connect(platform.infra.nats.clientOptions('worker'));
  });
  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
    await restarted?.stop();
  });

  it('a socket joining midway gets the lifecycle history, then live events, without gap or duplicate; ids follow the media rule', async () => {
    const { sessionId, token } = await startedSession(api);
    const a = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: SPEECH })).body.task_id;
    await a.waitFor((e) => e.type === 'frame' && e.frame_id >= 10);
    const b = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    for (const socket of [a, b]) {
      const completed = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
      await socket.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.id! > completed.id!);
    }

    // The late socket has exactly the same lifecycle events, with the same ids, in order.
    expect(lifecycleOf(b.events)).toEqual(lifecycleOf(a.events));
    const lifecycleIds = b.events.filter((e) => e.type !== 'frame').map((e) => e.id!);
    expect(new Set(lifecycleIds).size).toBe(lifecycleIds.length);
    expect(lifecycleIds).toEqual([...lifecycleIds].sort((x, y) => x - y));

    // Its frames: live only (it joined midway, nothing replayed), none missing from its first on.
    const frames = b.events.filter((e) => e.type === 'frame');
    // (the first socket got the same live frames: the late one has all of them from its first on)
    const framesOfA = a.events.filter((e) => e.type === 'frame');
    const joinedAt = framesOfA.findIndex((f) => f.frame_id === frames[0].frame_id);
    expect(joinedAt).toBeGreaterThanOrEqual(10);
    expect(frames.map((f) => f.frame_id)).toEqual(framesOfA.slice(joinedAt).map((f) => f.frame_id));
    // Every frame carries the id of the last lifecycle event before it on that socket.
    let last = 0;
    for (const e of b.events) {
      if (e.type === 'frame') expect(e.id).toBe(last);
      else last = e.id!;
    }
    await Promise.all([a.close(), b.close()]);

    // Reconnecting after task.started: only the later lifecycle events, no stale frame.
    const started = a.events.find((e) => e.type === 'task.started')!;
    const resumed = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token, `&last_event_id=${started.id}`));
    const lastId = a.events.filter((e) => e.type !== 'frame').at(-1)!.id!;
    await resumed.waitFor((e) => e.id === lastId && e.type !== 'frame');
    expect(lifecycleOf(resumed.events)).toEqual(lifecycleOf(a.events).filter(([id]) => id! > started.id!));
    expect(resumed.events.some((e) => e.type === 'frame')).toBe(false);
    await resumed.close();
  });

  it('shares one NATS subscription among the sockets of a session, announces presence, and keeps no consumer per socket', async () => {
    const { sessionId, token } = await startedSession(api);
    const tenantId = platform.tenants.a.id;
    const presence = nc.subscribe(`presence.${tenantId}.${sessionId}`, { max: 1 });
    await nc.flush();
    const sockets = await Promise.all(Array.from({ length: SOCKET_CAP }, () => openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token))));
    await Promise.all(sockets.map((s) => s.waitFor((e) => e.type === 'session.started')));

    for await (const msg of presence) expect(msg.subject).toBe(`presence.${tenantId}.${sessionId}`);
    expect(await liveSubscriptions(sessionId)).toBe(1);
    // Catch-up consumers are gone once the sockets are live: only the platform's durables stay.
    await waitUntil(async () => (await catchUpConsumers()) === 0);

    await Promise.all(sockets.map((s) => s.close()));
    await waitUntil(async () => (await liveSubscriptions(sessionId)) === 0);
  });

  it(`refuses socket ${SOCKET_CAP + 1} of a session with HTTP 429 before the upgrade`, async () => {
    const { sessionId, token } = await startedSession(api);
    const url = sessionSocketUrl(platform.wsUrl, sessionId, token);
    const sockets = await Promise.all(Array.from({ length: SOCKET_CAP }, () => openSocket(url)));
    const refused = await refusedStatus(url);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // A slot frees when a socket closes.
    await sockets[0].close();
    await waitUntil(async () => {
      const extra = await openSocket(url).catch(() => undefined);
      if (extra) sockets.push(extra);
      return extra !== undefined;
    });
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('closes a socket that sends a message over 256 KiB with 1009 (one just under is answered)', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const closed = closeOf(socket);
    // 200 KiB of base64: 150 KiB of (silent) PCM, 3.2 s at 24 kHz.
    socket.send({ type: 'audio_buffer_append', data: { audio: 'A'.repeat(200 * 1024) } });
    socket.send({ type: 'audio_buffer_clear' });
    expect((await socket.waitFor((e) => e.type === 'audio_buffer.cleared')).duration).toBeCloseTo(3.2, 3);
    socket.send({ type: 'audio_buffer_append', data: { audio: 'A'.repeat(300 * 1024) } });
    expect((await closed).code).toBe(1009);
  });

  it('answers a flood with RATE_LIMITED then closes it with 1008, while another session keeps streaming', async () => {
    const speaking = await startedSession(api);
    const flooding = await startedSession(api);
    const watcher = await openSocket(sessionSocketUrl(platform.wsUrl, speaking.sessionId, speaking.token));
    const flooder = await openSocket(sessionSocketUrl(platform.wsUrl, flooding.sessionId, flooding.token));
    const flooderClosed = closeOf(flooder);
    const taskId = (await api.post('/v1/avatar.speak', { session_id: speaking.sessionId, text: SPEECH })).body.task_id;
    await watcher.waitFor((e) => e.type === 'frame' && e.task_id === taskId);

    const framesAtFloodStart = watcher.events.filter((e) => e.type === 'frame').length;
    let open = true;
    void flooderClosed.then(() => (open = false));
    while (open) {
      for (let i = 0; i < 500 && flooder.ws.readyState === WebSocket.OPEN; i++) flooder.send({ type: 'interrupt' });
      await new Promise((r) => setTimeout(r, 20));
    }
    const closed = await flooderClosed;
    const framesAtClose = watcher.events.filter((e) => e.type === 'frame').length;

    expect(closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    expect(flooder.events.filter((e) => e.type === 'error' && e.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
    // The other session's frames went on during the flood, and none were lost.
    expect(framesAtClose).toBeGreaterThan(framesAtFloodStart);
    await watcher.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    expect(watcher.events.filter((e) => e.type === 'task.started')).toHaveLength(1);
    const frames = watcher.events.filter((e) => e.type === 'frame');
    const spoken = framesOf(visemeTrack(SPEECH, { wordsPerMinute: 150 }), 25);
    expect(frames.map((f) => f.viseme)).toEqual(spoken);
    await watcher.close();
  });

  it('stop delivers session.stopped, then closes the sockets with 1000; the token opens nothing afterwards', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const closed = closeOf(socket);
    expect((await api.post('/v1/streaming.stop', { session_id: sessionId })).status).toBe(200);
    expect(await closed).toEqual({ code: 1000, reason: 'session stopped' });
    expect(socket.events.at(-1)!.type).toBe('session.stopped');

    const refused = await refusedStatus(sessionSocketUrl(platform.wsUrl, sessionId, token));
    expect(refused.status).toBe(410);
    expect(refused.body.error.code).toBe('SESSION_NOT_ACTIVE');
  });

  it('closes a socket when its token expires (4001), and the expired token is refused', async () => {
    const gatewayPort = await infra.freePort();
    await platform.startApp('gateway', { GATEWAY_PORT: String(gatewayPort), SESSION_TOKEN_TTL_SECONDS: '2' });
    const shortLived = apiClient(`http://127.0.0.1:${gatewayPort}`, platform.tenants.a.apiKey);
    const { sessionId, token } = await startedSession(shortLived);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    expect(await closeOf(socket)).toEqual({ code: 4001, reason: 'token expired' });
    expect((await refusedStatus(sessionSocketUrl(platform.wsUrl, sessionId, token))).status).toBe(401);
  });

  it('after a NATS outage closes the sockets with 1013; a client resuming from its last id misses no lifecycle event', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    await socket.waitFor((e) => e.type === 'status' && e.status === 'idle');
    const closed = closeOf(socket);
    // The same server comes back on the same port with its JetStream data.
    const old = platform.infra.nats;
    await old.stop();
    restarted = await infra.startNats({ dataDir: path.dirname(old.logFile), port: old.port });
    expect(await closed).toEqual({ code: 1013, reason: 'event stream interrupted: reconnect with last_event_id' });

    const lastId = socket.events.at(-1)!.id!;
    const taskId = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'after the outage' })).body.task_id;
    const resumed = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token, `&last_event_id=${lastId}`));
    await resumed.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId);
    expect(resumed.lifecycle().map((e) => e.type)).toEqual(expect.arrayContaining(['task.started', 'task.completed']));
    expect(resumed.lifecycle().every((e) => e.id! > lastId)).toBe(true);
    await resumed.close();
  });

  it('SIGTERM closes every socket with 1012 (service restart) and the notifier exits', async () => {
    const { sessionId, token } = await startedSession(api);
    const sockets = await Promise.all([openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token)), openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token))]);
    const closes = sockets.map(closeOf);
    const notifier = platform.apps.find((app) => app.name === 'notifier')!;
    await notifier.stop('SIGTERM');
    expect(await Promise.all(closes)).toEqual([
      { code: 1012, reason: 'service restart' },
      { code: 1012, reason: 'service restart' },
    ]);
  });

  async function liveSubscriptions(sessionId: string): Promise<number> {
    const monitorUrl = platform.infra.nats.monitorUrl;
    const connz = (await (await fetch(`${monitorUrl}/connz?subs=1`)).json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
    return connz.connections
      .filter((c) => c.name === 'notifier')
      .flatMap((c) => c.subscriptions_list ?? [])
      .filter((s) => s === `live.${platform.tenants.a.id}.${sessionId}.>`).length;
  }

  async function catchUpConsumers(): Promise<number> {
    // From the monitor: no platform user may list the stream's consumers.
    const jsz = (await (await fetch(`${platform.infra.nats.monitorUrl}/jsz?accounts=true&streams=true&consumers=true`)).json()) as {
      account_details?: Array<{ stream_detail?: Array<{ name: string; consumer_detail?: Array<{ name: string }> }> }>;
    };
    const names = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []).filter((s) => s.name === 'SESSION_EVENTS').flatMap((s) => (s.consumer_detail ?? []).map((c) => c.name));
    // The platform's own durables (history, webhooks) are not a socket's.
    const durables: string[] = [EVENT_HISTORY_CONSUMER, ...WEBHOOK_EVENT_CONSUMERS.map((c) => c.name)];
    return names.filter((n) => !durables.includes(n)).length;
  }
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
