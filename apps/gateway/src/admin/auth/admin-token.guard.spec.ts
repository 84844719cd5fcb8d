import type { ExecutionContext } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';
import { AdminTokenGuard } from './admin-token.guard';

const TOKEN = 'admin-token-'.padEnd(40, 'z');

const request = (authorization?: string) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }) }) }) as unknown as ExecutionContext;

function refusal(guard: AdminTokenGuard, authorization?: string): PlatformError | undefined {
  try {
    guard.canActivate(request(authorization));
  } catch (err) {
    return err as PlatformError;
  }
  return undefined;
}

describe('AdminTokenGuard', () => {
  it('lets the admin token through', () => {
    expect(new AdminTokenGuard({ ADMIN_TOKEN: TOKEN }).canActivate(request(`Bearer ${TOKEN}`))).toBe(true);
  });

  it('answers 401 to a missing, wrong, truncated or extended token', () => {
    const guard = new AdminTokenGuard({ ADMIN_TOKEN: TOKEN });
    for (const header of [undefined, '', `Basic ${TOKEN}`, 'Bearer ak_some_tenant_key', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`]) {
      const err = refusal(guard, header);
      expect(err).toBeInstanceOf(PlatformError);
      expect(err!.code).toBe('UNAUTHORIZED');
    }
  });

  it('answers 503 to every request when ADMIN_TOKEN is not set, even one that brings a token', () => {
    const guard = new AdminTokenGuard({ ADMIN_TOKEN: undefined });
    for (const header of [undefined, `Bearer ${TOKEN}`]) {
      const err = refusal(guard, header);
      expect(err!.code).toBe('SERVICE_UNAVAILABLE');
      expect(err!.message).toBe('admin API disabled: set ADMIN_TOKEN');
    }
  });
});
