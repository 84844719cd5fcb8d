import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformError } from '@avatar/contracts';
import { demoAssetPaths, DemoAssets } from './demo-assets';

describe('DemoAssets', () => {
  let dir: string;
  let assets: DemoAssets;
  let sdkBundle: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-assets-'));
    fs.mkdirSync(path.join(dir, 'public'));
    fs.writeFileSync(path.join(dir, 'public', 'index.html'), '<!doctype html><title>demo</title>');
    fs.writeFileSync(path.join(dir, 'public', 'demo.css'), 'body{}');
    fs.writeFileSync(path.join(dir, 'public', 'demo.js'), 'export {};');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'not for the browser');
    sdkBundle = path.join(dir, 'avatar-sdk.mjs');
    assets = new DemoAssets({ publicDir: path.join(dir, 'public'), sdkBundle, wsUrl: 'ws://localhost:8001/ws' });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds public/ beside the compiled file and the SDK bundle at the repository root (dist/apps/gateway/src/demo is five levels down)', () => {
    const paths = demoAssetPaths('ws://x/ws', '/repo/dist/apps/gateway/src/demo');
    expect(paths).toEqual({ publicDir: '/repo/dist/apps/gateway/src/demo/public', sdkBundle: '/repo/packages/sdk/dist/browser/avatar-sdk.mjs', wsUrl: 'ws://x/ws' });
  });

  it('serves the page with a CSP that allows its own files, data: frames and the notifier, and nothing from elsewhere', async () => {
    const page = await assets.page();
    expect(page.body.toString()).toContain('<title>demo</title>');
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' });
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("connect-src 'self' ws://localhost:8001");
  });

  it('serves the CSS and the script with their types', async () => {
    expect((await assets.asset('demo.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const script = await assets.asset('demo.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body.toString()).toBe('export {};');
  });

  it.each(['../secret.txt', '..%2Fsecret.txt', '.hidden.js', 'secret.txt', 'missing.js', 'public', ''])('answers 404 NOT_FOUND for %j (only files of public/ are reachable)', async (name) => {
    await expect(assets.asset(name)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('serves the SDK bundle as JavaScript, and 503 until it is built', async () => {
    const missing = await assets.sdk().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PlatformError);
    expect(missing).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect((missing as Error).message).toMatch(/npm run build/);

    fs.writeFileSync(sdkBundle, 'export class SessionConnection {}');
    const sdk = await assets.sdk();
    expect(sdk.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(sdk.body.toString()).toBe('export class SessionConnection {}');
  });
});
