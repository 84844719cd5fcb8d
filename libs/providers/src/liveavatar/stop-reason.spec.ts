import { vendorStopReason } from './stop-reason';

describe('vendorStopReason', () => {
  it('maps our end reasons to the vendor reason that says the same', () => {
    expect(vendorStopReason('client_stop')).toBe('USER_CLOSED');
    expect(vendorStopReason('idle_timeout')).toBe('IDLE_TIMEOUT');
    expect(vendorStopReason('max_duration')).toBe('MAX_DURATION_REACHED');
    expect(vendorStopReason('reaped')).toBe('ZOMBIE_SESSION_REAP');
  });

  it('gives USER_DISCONNECTED (the reference plugin’s reason) for anything else', () => {
    for (const reason of ['quota_exhausted', 'tenant_disabled', 'start_lost_race', 'start_failed', '']) {
      expect(vendorStopReason(reason)).toBe('USER_DISCONNECTED');
    }
  });
});
