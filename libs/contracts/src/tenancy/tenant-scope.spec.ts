// The brand only helps if the constructors that vouch for a tenant stay where they
// belong: TypeScript cannot say "only this folder may call that", so this spec reads
// the sources. A call outside its places fails with the file and line that made it.
import fs from 'node:fs';
import path from 'node:path';
import { TenantScopes } from './tenant-scope';

const ROOT = path.resolve(__dirname, '../../../..');
const SCANNED = ['apps', 'libs', 'scripts'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'generated']);
const SOURCE = /\.(ts|js|mjs|cjs)$/;
const SPEC = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

/** Where each constructor may be called (folders, relative to the repository, with a trailing slash). */
const ALLOWED = {
  /** The tenant an API key or session token proved. */
  authenticated: ['apps/gateway/src/auth/', 'apps/notifier/src/socket/'],
  /** The tenant an operator named: the admin API and the admin CLI. */
  administered: ['apps/gateway/src/admin/', 'scripts/', 'libs/tenancy/src/admin/', 'apps/gateway/src/demo/demo-tenant.ts'],
} as const;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return SOURCE.test(entry.name) && !SPEC.test(entry.name) ? [full] : [];
  });
}

const FILES = SCANNED.flatMap((dir) => sourceFiles(path.join(ROOT, dir))).map((file) => ({
  file: path.relative(ROOT, file).split(path.sep).join('/'),
  lines: fs.readFileSync(file, 'utf8').split('\n'),
}));

/** Every `TenantScopes.<name>(` (also `TenantScopes['<name>']`), as "file:line". */
function callsOf(name: keyof typeof ALLOWED): string[] {
  const call = new RegExp(`TenantScopes\\s*(\\.\\s*${name}\\s*\\(|\\[\\s*['"\`]${name}['"\`]\\s*\\])`);
  return FILES.flatMap(({ file, lines }) => lines.flatMap((line, i) => (call.test(line) ? [`${file}:${i + 1}`] : [])));
}

describe('TenantScopes', () => {
  it('brands the id it is given, without changing it', () => {
    expect(TenantScopes.ofRecord('tenant-1')).toBe('tenant-1');
    expect(TenantScopes.authenticated('tenant-1')).toBe('tenant-1');
    expect(TenantScopes.administered('tenant-1')).toBe('tenant-1');
  });

  describe('who may vouch for a tenant (a scan of apps/, libs/ and scripts/, specs excepted)', () => {
    it('reads the sources it guards (the scan is not empty)', () => {
      expect(FILES.length).toBeGreaterThan(50);
      // The one place that must call it: if the scan misses it, it misses everything.
      expect(callsOf('authenticated')).toEqual(expect.arrayContaining([expect.stringMatching(/^apps\/gateway\/src\/auth\/api-key-cache\.ts:\d+$/)]));
    });

    it.each(Object.keys(ALLOWED) as Array<keyof typeof ALLOWED>)('TenantScopes.%s( is called only where it is allowed', (name) => {
      const outside = callsOf(name).filter((at) => !ALLOWED[name].some((folder) => at.startsWith(folder)));

      // Names the offending files: "<file>:<line>".
      expect({ [`TenantScopes.${name}( outside ${ALLOWED[name].join(', ')}`]: outside }).toEqual({
        [`TenantScopes.${name}( outside ${ALLOWED[name].join(', ')}`]: [],
      });
    });
  });
});
