import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import * as infra from '../../scripts/infra';
import { apiClient, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

/**
 * The browser demo (/demo) in Debian's headless Chromium, driven by playwright-core
 * (never a downloaded browser): the page starts a session of the demo tenant with the
 * local provider, speaks, shows a face whose mouth follows the frames, decodes the
 * audio, logs the lifecycle, interrupts and stops with the billed duration. And the
 * rules around it: off (404) without DEMO_TENANT_ID, a session's routes only with that
 * session's token, no API key ever reaches the page.
 */

// Functions run in the page (evaluate, waitForFunction) use the DOM; the project compiles
// without lib "dom", so its few names are declared here, for this file only.
declare const document: any;
declare const window: any;
declare const MutationObserver: any;
declare const localStorage: any;
declare const sessionStorage: any;

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SDK_BUNDLE = path.join(ROOT, 'packages/sdk/dist/browser/avatar-sdk.mjs');
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const SENTENCE = 'Hello there! I am the local avatar, and my mouth follows every word I say.';
const LONG_TEXT = 'Now I will keep talking for quite a while, so that you can watch my mouth open and close, and then interrupt me whenever you like. '.repeat(3);

describe('the browser demo (/demo)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      // Audio from espeak-ng (the e2e default is silent speech) so the page has audio to decode.
      env: { LOCAL_SPEECH: 'audio' },
      envFor: ({ tenants, wsUrl }) => ({ DEMO_TENANT_ID: tenants.a.id, DEMO_WS_URL: `${wsUrl}/ws` }),
    });
  });
  afterAll(() => platform?.stop());

  const demoApi = () => apiClient(platform.apiUrl);
  const createDemoSession = async () => {
    const created = await demoApi().post('/demo/api/sessions', { provider: 'local' });
    expect(created.status).toBe(200);
    return created.body as { session_id: string; access_token: string; expires_in: number; ws_url: string; provider: string };
  };

  describe('its API', () => {
    it('lists the catalog of the demo tenant, local selected first', async () => {
      const catalog = await demoApi().get('/demo/api/catalog');
      expect(catalog.status).toBe(200);
      expect(catalog.body.default_provider).toBe('local');
      expect(catalog.body.providers).toEqual(expect.arrayContaining([{ name: 'local', available: true }]));
      expect(catalog.body.avatars.some((a: { provider: string }) => a.provider === 'local')).toBe(true);
    });

    it("creates a running session of the demo tenant and answers its token and the notifier's URL", async () => {
      const created = await createDemoSession();
      expect(created).toMatchObject({ provider: 'local', ws_url: `${platform.wsUrl}/ws`, expires_in: expect.any(Number) });
      const row = await platform.db.session.findUnique({ where: { id: created.session_id } });
      expect(row).toMatchObject({ tenantId: platform.tenants.a.id, status: 'active', provider: 'local' });
      const stop = await apiClient(platform.apiUrl, created.access_token).post(`/demo/api/sessions/${created.session_id}/stop`);
      expect(stop.status).toBe(200);
    });

    it('takes JSON only: no body is a 400, a form or text body a 415 (a cross-site form creates nothing)', async () => {
      const before = await platform.db.session.count();
      const empty = await demoApi().post('/demo/api/sessions');
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('VALIDATION_ERROR');
      const form = await demoApi().request('POST', '/demo/api/sessions', 'provider=local', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const unknown = await demoApi().post('/demo/api/sessions', { provider: 'nope' });
      expect(unknown.status).toBe(400);
      expect(await platform.db.session.count()).toBe(before);
    });

    it("authorizes a session's routes with that session's token only: another session's token, an API key, another tenant's token or none is 401", async () => {
      const mine = await createDemoSession();
      const other = await createDemoSession();
      const speak = (sessionId: string, authorization?: string) =>
        demoApi().post(`/demo/api/sessions/${sessionId}/speak`, { text: 'Hello.' }, authorization ? { authorization } : {});

      // Tenant b's own session and token (from /v1 with its key), on the demo's routes.
      const tenantB = await startedSession(apiClient(platform.apiUrl, platform.tenants.b.apiKey));

      for (const [name, answer] of [
        ['no token', await speak(mine.session_id)],
        ["another session's token", await speak(mine.session_id, `Bearer ${other.access_token}`)],
        ["the demo tenant's API key", await speak(mine.session_id, `Bearer ${platform.tenants.a.apiKey}`)],
        ["another tenant's session and token", await speak(tenantB.sessionId, `Bearer ${tenantB.token}`)],
      ] as const) {
        expect({ name, status: answer.status, code: answer.body?.error?.code }).toEqual({ name, status: 401, code: 'UNAUTHORIZED' });
      }
      // Nothing was queued by any of them; the session's own token works.
      expect(await platform.db.speechTask.count({ where: { sessionId: { in: [mine.session_id, tenantB.sessionId] } } })).toBe(0);
      const ok = await speak(mine.session_id, `Bearer ${mine.access_token}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ task_id: expect.any(String), status: 'processing' });

      const tokenAnswer = await apiClient(platform.apiUrl, mine.access_token).post(`/demo/api/sessions/${mine.session_id}/token`);
      expect(tokenAnswer.status).toBe(200);
      expect(tokenAnswer.body).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });

      for (const created of [mine, other]) await apiClient(platform.apiUrl, created.access_token).post(`/demo/api/sessions/${created.session_id}/stop`);
    });

    it('bounds the text as avatar.speak does (error envelope)', async () => {
      const created = await createDemoSession();
      const api = apiClient(platform.apiUrl, created.access_token);
      const tooLong = await api.post(`/demo/api/sessions/${created.session_id}/speak`, { text: 'a'.repeat(5001) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'text' })] } });
      const blank = await api.post(`/demo/api/sessions/${created.session_id}/chat`, { text: '   ' });
      expect(blank.status).toBe(400);
      await api.post(`/demo/api/sessions/${created.session_id}/stop`);
    });

    it('serves the page and its files, and stays outside the OpenAPI document', async () => {
      const page = await fetch(`${platform.apiUrl}/demo`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${platform.wsUrl}`);
      const html = await page.text();
      expect(html).toContain('/demo/demo.js');
      for (const file of ['demo.js', 'demo.css']) expect((await fetch(`${platform.apiUrl}/demo/${file}`)).status).toBe(200);
      expect((await fetch(`${platform.apiUrl}/demo/..%2F..%2Fdemo.area.js`)).status).toBe(404);
      const openapi = await demoApi().get('/openapi.json');
      expect(Object.keys(openapi.body.paths).filter((p) => p.startsWith('/demo'))).toEqual([]);
    });
  });

  describe('without DEMO_TENANT_ID', () => {
    it('answers 404 in the envelope on every /demo route', async () => {
      const port = await infra.freePort();
      const gateway = await platform.startApp('gateway', { GATEWAY_PORT: String(port), DEMO_TENANT_ID: undefined });
      try {
        const off = apiClient(`http://127.0.0.1:${port}`);
        for (const [method, route] of [
          ['GET', '/demo'],
          ['GET', '/demo/sdk.js'],
          ['GET', '/demo/demo.js'],
          ['GET', '/demo/api/catalog'],
          ['POST', '/demo/api/sessions'],
          ['POST', '/demo/api/sessions/11111111-1111-4111-8111-111111111111/stop'],
        ]) {
          const answer = await off.request(method, route, method === 'POST' ? {} : undefined);
          expect({ route, status: answer.status, code: answer.body?.error?.code }).toEqual({ route, status: 404, code: 'NOT_FOUND' });
          expect(answer.body.error.message).toMatch(/DEMO_TENANT_ID/);
        }
      } finally {
        await gateway.stop();
      }
    });
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    let page: Page;
    const requests: Array<{ url: string; authorization?: string }> = [];
    const bodies: string[] = [];

    beforeAll(async () => {
      if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (never a downloaded browser)`);
      if (!fs.existsSync(SDK_BUNDLE)) throw new Error(`${SDK_BUNDLE} is missing: npm run build`);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
      page.on('response', (response) => {
        if (response.url().startsWith(platform.apiUrl)) void response.text().then((text) => bodies.push(text), () => undefined);
      });
      page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    }, 60_000);
    afterAll(() => browser?.close());

    it('starts a session, speaks with a moving mouth and audio, chats, interrupts and stops with the billed duration', async () => {
      await page.goto(`${platform.apiUrl}/demo`);
      // The catalog is in: local selected, Start enabled.
      await page.waitForFunction(() => document.getElementById('provider').value === 'local' && !document.getElementById('start').disabled);

      // Every face the page shows, as it shows it: the viseme attribute and the image.
      await page.evaluate(() => {
        const face = document.getElementById('face');
        const seen = { visemes: [] as string[], images: new Set<string>() };
        window.seen = seen;
        new MutationObserver(() => {
          seen.visemes.push(face.dataset.viseme ?? '');
          seen.images.add(face.src);
        }).observe(face, { attributes: true, attributeFilter: ['data-viseme', 'src'] });
      });

      await page.click('#start');
      await page.waitForFunction(() => document.getElementById('conn-state')?.dataset.state === 'open' && !document.getElementById('speak').disabled, undefined, { timeout: 30_000 });
      const sessionId = (await page.textContent('#session-id'))!.trim();
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

      await page.fill('#text', SENTENCE);
      await page.click('#speak');
      await page.waitForSelector('#log li[data-type="task.completed"]', { timeout: 45_000 });

      const seen = await page.evaluate(() => {
        const s = window.seen as { visemes: string[]; images: Set<string> };
        return { visemes: s.visemes, images: s.images.size };
      });
      const distinct = new Set(seen.visemes);
      expect(distinct.size).toBeGreaterThanOrEqual(3);
      expect([...distinct].some((v) => v !== 'sil' && v !== '')).toBe(true);
      // The mouth changed through the task (not one shape held), and the image with it.
      const changes = seen.visemes.filter((v, i) => i > 0 && v !== seen.visemes[i - 1]).length;
      expect(changes).toBeGreaterThanOrEqual(3);
      expect(seen.images).toBeGreaterThanOrEqual(3);
      const face = await page.$eval('#face', (el) => ({ ...(el).dataset }));
      expect(Number(face.frames)).toBeGreaterThan(10);
      expect(face.visemes!.split(',').length).toBeGreaterThanOrEqual(3);
      // The audio events were decoded by Web Audio.
      await page.waitForFunction(() => Number(document.getElementById('face')?.dataset.audioChunks) > 0, undefined, { timeout: 10_000 });
      expect(await page.textContent('#log')).toContain('task.started');

      // Chat: the turn and the reply show from the socket's chat events; the reply is spoken.
      await page.fill('#text', 'Hello, who are you?');
      await page.click('#chat');
      await page.waitForSelector('#transcript li[data-role="agent"]', { timeout: 30_000 });
      expect(await page.textContent('#transcript li[data-role="user"]')).toContain('Hello, who are you?');
      expect((await page.textContent('#transcript li[data-role="agent"]'))!.length).toBeGreaterThan('Avatar'.length);

      // A long one, caught mid-word for the screenshot, then interrupted.
      await page.fill('#text', LONG_TEXT);
      await page.click('#speak');
      await page.waitForFunction(() => ['aa', 'O', 'E'].includes(document.getElementById('face')?.dataset.viseme ?? ''), undefined, { timeout: 30_000 });
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png') });
      if (process.env.UPDATE_DEMO_SCREENSHOT === '1') {
        // The README's picture of the demo.
        fs.mkdirSync(path.join(ROOT, 'docs/images'), { recursive: true });
        fs.copyFileSync(path.join(ARTIFACTS, 'demo.png'), path.join(ROOT, 'docs/images/demo.png'));
      }
      await page.click('#interrupt');
      await page.waitForSelector('#log li[data-type="task.interrupted"]', { timeout: 15_000 });

      await page.click('#stop');
      await page.waitForSelector('#billing:not([hidden])', { timeout: 15_000 });
      const billed = { duration: Number(await page.textContent('#billed-duration')), billedSeconds: Number(await page.textContent('#billed-seconds')) };
      const row = await platform.db.session.findUniqueOrThrow({ where: { id: sessionId } });
      expect(row).toMatchObject({ tenantId: platform.tenants.a.id, status: 'stopped', endReason: 'client_stop' });
      expect(billed).toEqual({ duration: row.durationMs! / 1000, billedSeconds: row.billedSeconds });
      expect(billed.billedSeconds).toBeGreaterThan(0);
      await page.waitForFunction(() => !document.getElementById('start').disabled && document.getElementById('speak').disabled);
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-stopped.png') });
    }, 120_000);

    it('holds no API key: it sends only session tokens and receives no key', async () => {
      const apiKeys = [platform.tenants.a.apiKey, platform.tenants.b.apiKey];
      const demoCalls = requests.filter((r) => r.url.startsWith(`${platform.apiUrl}/demo/api/sessions/`));
      expect(demoCalls.length).toBeGreaterThan(0);
      for (const call of requests) {
        if (call.authorization === undefined) continue;
        expect(call.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/); // a session token (JWT), never ak_…
      }
      expect(demoCalls.every((r) => r.authorization !== undefined)).toBe(true);
      expect(bodies.length).toBeGreaterThan(0);
      for (const body of bodies) for (const key of apiKeys) expect(body.includes(key)).toBe(false);
      const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, html: document.documentElement.outerHTML }));
      for (const key of apiKeys) expect(stored.includes(key)).toBe(false);
      expect(stored).not.toMatch(/ak_[A-Za-z0-9]/);
    });
  });
});
