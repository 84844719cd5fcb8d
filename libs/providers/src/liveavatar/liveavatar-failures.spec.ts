import { classifyLiveAvatarFailure, meansAlreadyStopped } from './liveavatar-failures';

describe('classifyLiveAvatarFailure', () => {
  it('passes successes (code ≤ 200 or none) and leaves plain statuses to the status mapping', () => {
    expect(classifyLiveAvatarFailure(200, { code: 100, data: {} })).toBeUndefined();
    expect(classifyLiveAvatarFailure(201, { code: 200 })).toBeUndefined();
    expect(classifyLiveAvatarFailure(200, undefined)).toBeUndefined();
    expect(classifyLiveAvatarFailure(401, { message: 'Invalid API key' })).toBeUndefined();
    expect(classifyLiveAvatarFailure(503, 'upstream down')).toBeUndefined();
    expect(classifyLiveAvatarFailure(400, { message: 'bad request' })).toBeUndefined();
  });

  it('reads an unknown avatar from the message or from a 422 naming avatar_id', () => {
    expect(classifyLiveAvatarFailure(404, { code: 404, message: 'Avatar not found' })).toBe('unknown_avatar');
    expect(classifyLiveAvatarFailure(400, { message: 'Invalid avatar_id' })).toBe('unknown_avatar');
    expect(classifyLiveAvatarFailure(422, { detail: [{ loc: ['body', 'avatar_id'], msg: 'Input should be a valid UUID' }] })).toBe('unknown_avatar');
    expect(classifyLiveAvatarFailure(422, { detail: [{ loc: ['body', 'mode'], msg: 'Input should be LITE or FULL' }] })).toBeUndefined();
  });

  it('reads a concurrency cap, even behind a 429 or 403', () => {
    expect(classifyLiveAvatarFailure(429, { message: 'Concurrent session limit reached' })).toBe('concurrency_limit');
    expect(classifyLiveAvatarFailure(403, { message: 'Too many active sessions for this plan' })).toBe('concurrency_limit');
    expect(classifyLiveAvatarFailure(429, { message: 'Rate limit exceeded' })).toBeUndefined();
  });

  it('reads spent credits (a 402, or the words) as quota', () => {
    expect(classifyLiveAvatarFailure(402, {})).toBe('quota');
    expect(classifyLiveAvatarFailure(400, { message: 'Insufficient credits' })).toBe('quota');
    expect(classifyLiveAvatarFailure(403, { error: { message: 'Not enough credits left' } })).toBe('quota');
  });

  it('fails a 2xx whose code says failure', () => {
    expect(classifyLiveAvatarFailure(200, { code: 400, message: 'something broke' })).toBe('rejected');
    expect(classifyLiveAvatarFailure(200, { code: 4001, message: 'avatar not found' })).toBe('unknown_avatar');
  });
});

describe('meansAlreadyStopped', () => {
  it('is true for a 404 or a 4xx that says the session is over', () => {
    expect(meansAlreadyStopped(404, undefined)).toBe(true);
    expect(meansAlreadyStopped(400, { message: 'Session already stopped' })).toBe(true);
    expect(meansAlreadyStopped(409, { message: 'Session is closed' })).toBe(true);
    expect(meansAlreadyStopped(200, { code: 400, message: 'Session already ended' })).toBe(true);
  });

  it('is false for auth failures, server failures and other refusals', () => {
    expect(meansAlreadyStopped(401, { message: 'Session already stopped' })).toBe(false);
    expect(meansAlreadyStopped(500, { message: 'Session already stopped' })).toBe(false);
    expect(meansAlreadyStopped(400, { message: 'reason must be one of ...' })).toBe(false);
    expect(meansAlreadyStopped(200, { code: 100, message: 'Session already stopped' })).toBe(false);
  });
});
