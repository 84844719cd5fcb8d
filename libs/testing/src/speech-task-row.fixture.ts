import type { SpeechTaskRow } from '@avatar/persistence';

// One place for a complete SpeechTaskRow, so specs name only the fields their test is about.
/** A queued, never attempted task of session-1 (tenant-1); `overrides` replace any field. */
export function speechTaskRow(overrides: Partial<SpeechTaskRow> = {}): SpeechTaskRow {
  return {
    id: 'task-1',
    tenantId: 'tenant-1',
    sessionId: 'session-1',
    seq: 1,
    text: 'hello',
    voiceId: null,
    voiceSettings: null,
    status: 'queued',
    durationEstimateMs: 2250,
    attempts: 0,
    error: null,
    interruptRequestedAt: null,
    announcedAt: null,
    traceparent: null,
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    startedAt: null,
    endedAt: null,
    spokenMs: null,
    kind: 'text',
    chatMessageId: null,
    ...overrides,
  };
}
