import type { SessionRow } from '@avatar/persistence';

// One place for a complete SessionRow, so specs name only the fields their test is about.
/** A freshly created session of tenant-1 (never started); `overrides` replace any field. */
export function sessionRow(overrides: Partial<SessionRow> = {}): SessionRow {
  return {
    id: 'session-1',
    tenantId: 'tenant-1',
    provider: 'local',
    avatarId: 'avatar_1',
    voiceId: null,
    quality: 'medium',
    status: 'created',
    taskSeq: 0,
    frameSeq: 0n,
    providerSessionId: null,
    providerState: null,
    providerOptions: null,
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    startedAt: null,
    endedAt: null,
    endReason: null,
    durationMs: null,
    billedSeconds: null,
    idleTimeoutS: null,
    maxDurationS: null,
    lastActiveAt: null,
    interruptSeq: 0,
    chatSeq: 0,
    ...overrides,
  };
}
