import path from 'node:path';

/**
 * The service name of this process: OTEL_SERVICE_NAME when set, else `avatar-<app>`
 * for an app's main script (`…/apps/<app>/src/main.js`), else `avatar-platform`.
 */
export function serviceNameOf(env: NodeJS.ProcessEnv, mainScript: string | undefined): string {
  const configured = env.OTEL_SERVICE_NAME?.trim();
  if (configured) return configured;
  const parts = mainScript ? path.resolve(mainScript).split(path.sep) : [];
  const apps = parts.lastIndexOf('apps');
  if (apps >= 0 && parts.length === apps + 4 && parts[apps + 2] === 'src' && /^main\.[cm]?[jt]s$/.test(parts[apps + 3])) return `avatar-${parts[apps + 1]}`;
  return 'avatar-platform';
}
