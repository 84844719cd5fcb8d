import { DEFAULT_BILLING, DEFAULT_QUOTAS, DEFAULT_RATE_LIMITS, effectiveTenantSettings } from './tenant-settings';

const NOTHING_STORED = { limits: {}, quotas: {}, billing: {}, providers: {} };

const DEFAULTS = {
  limits: { sessions_per_minute: 10, speak_per_minute: 30, chat_per_minute: 60, ws_messages_per_second: 100 },
  quotas: { max_active_sessions: DEFAULT_QUOTAS.max_active_sessions, max_queued_tasks_per_session: DEFAULT_QUOTAS.max_queued_tasks_per_session, monthly_minutes: null },
  billing: { model: 'per_second' },
  providers: {},
};

describe('effectiveTenantSettings', () => {
  it('answers the reference defaults for a tenant that stored nothing (the columns default to {})', () => {
    expect(effectiveTenantSettings(NOTHING_STORED)).toEqual(DEFAULTS);
    // The rate limits are the reference ones (DESIGN.md), whatever the constants say.
    expect(DEFAULT_RATE_LIMITS).toEqual(DEFAULTS.limits);
    expect(DEFAULT_BILLING).toEqual({ model: 'per_second' });
  });

  it("takes each value the tenant stored over the default, and the default for the rest", () => {
    const settings = effectiveTenantSettings({
      limits: { speak_per_minute: 5 },
      quotas: { max_active_sessions: 3, monthly_minutes: 600 },
      billing: { model: 'minimum_then_per_second', minimum_seconds: 60 },
      providers: { default: 'local' },
    });

    expect(settings).toEqual({
      limits: { ...DEFAULTS.limits, speak_per_minute: 5 },
      quotas: { ...DEFAULTS.quotas, max_active_sessions: 3, monthly_minutes: 600 },
      billing: { model: 'minimum_then_per_second', minimum_seconds: 60 },
      providers: { default: 'local' },
    });
  });

  it('keeps every limit overridden at once', () => {
    const limits = { sessions_per_minute: 1, speak_per_minute: 2, chat_per_minute: 3, ws_messages_per_second: 4 };
    const quotas = { max_active_sessions: 7, max_queued_tasks_per_session: 8, monthly_minutes: 9 };

    expect(effectiveTenantSettings({ ...NOTHING_STORED, limits, quotas })).toMatchObject({ limits, quotas });
  });

  it("drops only the field that does not parse (or is unknown): the tenant's other overrides stay", () => {
    const settings = effectiveTenantSettings({
      ...NOTHING_STORED,
      limits: { speak_per_minute: 5, sessions_per_minute: -1, from_a_newer_version: 7 },
      quotas: { max_active_sessions: 3, max_queued_tasks_per_session: 'lots' },
    });

    expect(settings.limits).toEqual({ ...DEFAULTS.limits, speak_per_minute: 5 });
    expect(settings.quotas).toEqual({ ...DEFAULTS.quotas, max_active_sessions: 3 });
  });

  describe('a malformed stored value falls back to the default, never to "no limit"', () => {
    it.each([
      ['zero', { sessions_per_minute: 0 }],
      ['negative', { sessions_per_minute: -1 }],
      ['a fraction', { sessions_per_minute: 2.5 }],
      ['a string', { sessions_per_minute: '10' }],
      ['null', { sessions_per_minute: null }],
      ['above the bound', { sessions_per_minute: 100_001 }],
    ])('a rate limit that is %s', (_case, limits) => {
      expect(effectiveTenantSettings({ ...NOTHING_STORED, limits }).limits.sessions_per_minute).toBe(DEFAULTS.limits.sessions_per_minute);
    });

    it.each([
      ['null', null],
      ['an array', [1, 2]],
      ['a string', 'unlimited'],
      ['a number', 0],
    ])('a whole limits or quotas column that is %s', (_case, stored) => {
      const settings = effectiveTenantSettings({ ...NOTHING_STORED, limits: stored, quotas: stored });

      expect(settings.limits).toEqual(DEFAULTS.limits);
      expect(settings.quotas).toEqual(DEFAULTS.quotas);
    });

    it.each([
      ['zero', { max_active_sessions: 0, max_queued_tasks_per_session: 0 }],
      ['negative', { max_active_sessions: -5, max_queued_tasks_per_session: -5 }],
      ['a string', { max_active_sessions: 'lots', max_queued_tasks_per_session: 'lots' }],
    ])('a quota that is %s', (_case, quotas) => {
      const settings = effectiveTenantSettings({ ...NOTHING_STORED, quotas });

      expect(settings.quotas.max_active_sessions).toBe(DEFAULTS.quotas.max_active_sessions);
      expect(settings.quotas.max_queued_tasks_per_session).toBe(DEFAULTS.quotas.max_queued_tasks_per_session);
    });

    it.each([
      ['an unknown model', { model: 'free' }],
      ['a minimum without its seconds', { model: 'minimum_then_per_second' }],
      ['a minimum of zero', { model: 'minimum_then_per_second', minimum_seconds: 0 }],
      ['null', null],
    ])('a billing rule with %s bills per second', (_case, billing) => {
      expect(effectiveTenantSettings({ ...NOTHING_STORED, billing }).billing).toEqual(DEFAULT_BILLING);
    });

    it('a default provider that is not a provider name is ignored', () => {
      expect(effectiveTenantSettings({ ...NOTHING_STORED, providers: { default: 'Not A Name!' } }).providers).toEqual({});
    });
  });
});
