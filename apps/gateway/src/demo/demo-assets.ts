import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';

/** DI token of where the demo's files are (tests point it elsewhere). */
export const DEMO_ASSET_PATHS = Symbol('DEMO_ASSET_PATHS');

export interface DemoAssetPaths {
  /** The page's HTML, CSS and script: `public/` beside this file (scripts/build.js copies it to dist/ as it is). */
  publicDir: string;
  /** The SDK's browser bundle, served as /demo/sdk.js. */
  sdkBundle: string;
  /** The notifier's WebSocket URL the page connects to (DEMO_WS_URL): the page's CSP allows it. */
  wsUrl: string;
}

/**
 * From the compiled file (dist/apps/gateway/src/demo/): its public/ copy, and the SDK
 * bundle under packages/ at the repository root (five levels up).
 */
export function demoAssetPaths(wsUrl: string, dir: string = __dirname): DemoAssetPaths {
  return {
    publicDir: path.join(dir, 'public'),
    sdkBundle: path.resolve(dir, '../../../../../packages/sdk/dist/browser/avatar-sdk.mjs'),
    wsUrl,
  };
}

export interface DemoAsset {
  body: Buffer;
  headers: Record<string, string>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A file name of public/ (no directories, no dot files): nothing else on disk is reachable. */
const ASSET_NAME = /^[a-z0-9][a-z0-9_-]*\.(html|css|js|mjs|svg|png)$/i;

/**
 * The demo page's files, read on each request (small, development only: a rebuilt SDK
 * or page is served without a restart). Every answer says `no-cache` and `nosniff`; the
 * page carries a Content-Security-Policy that allows its own files, frame images
 * (data: URIs) and the notifier's WebSocket, and nothing from elsewhere.
 */
@Injectable()
export class DemoAssets {
  private readonly csp: string;

  constructor(@Inject(DEMO_ASSET_PATHS) private readonly paths: DemoAssetPaths) {
    const ws = new URL(paths.wsUrl);
    this.csp = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${ws.protocol}//${ws.host}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }

  page(): Promise<DemoAsset> {
    return this.asset('index.html');
  }

  async asset(name: string): Promise<DemoAsset> {
    if (!ASSET_NAME.test(name)) throw notFound(name);
    const body = await readOrNull(path.join(this.paths.publicDir, name));
    if (!body) throw notFound(name);
    const type = CONTENT_TYPES[path.extname(name).toLowerCase()];
    const headers = type.startsWith('text/html') ? { ...this.common(type), 'content-security-policy': this.csp, 'referrer-policy': 'no-referrer' } : this.common(type);
    return { body, headers };
  }

  /** 503 until `npm run build` has built the SDK (the page cannot run without it). */
  async sdk(): Promise<DemoAsset> {
    const body = await readOrNull(this.paths.sdkBundle);
    if (!body) throw new PlatformError('SERVICE_UNAVAILABLE', 'the SDK browser bundle is not built: run npm run build', { path: 'packages/sdk/dist/browser/avatar-sdk.mjs' });
    return { body, headers: this.common(CONTENT_TYPES['.mjs']) };
  }

  private common(contentType: string): Record<string, string> {
    return { 'content-type': contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  }
}

function notFound(name: string): PlatformError {
  return new PlatformError('NOT_FOUND', `the demo has no file ${JSON.stringify(name)}`);
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw err;
  }
}
