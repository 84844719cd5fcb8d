import { CompatCreateSessionRequest, CompatTaskRequest } from './compat.dto';
import { MAX_SPEAK_TEXT_LENGTH } from './speech.dto';

describe('Avaturn-compatible DTOs', () => {
  it('takes no body, {} and the bodies of Avaturn\'s reference clients for a new session', () => {
    expect(CompatCreateSessionRequest.parse(undefined)).toEqual({});
    expect(CompatCreateSessionRequest.parse({})).toEqual({});
    const openai = { conversation_engine: { type: 'openai-realtime', client_secret: 'ek_123' } };
    const cartesia = { avatar_id: 'jane_20240829', conversation_engine: { type: 'cartesia', access_token: 'ct', agent_id: 'agent-7' } };
    expect(CompatCreateSessionRequest.parse(openai)).toEqual(openai);
    expect(CompatCreateSessionRequest.parse(cartesia)).toEqual(cartesia);
  });

  it('refuses unknown fields, /v1-only fields, bad engines and unbounded ids', () => {
    const refused = [
      { background: 'transparent' },
      { quality: 'high' },
      { provider: 'local' },
      { avatar_id: '' },
      { avatar_id: 'a'.repeat(129) },
      { conversation_engine: { type: 'openai-realtime' } },
      { conversation_engine: { type: 'cartesia', access_token: 'ct' } },
      { conversation_engine: { type: 'openai-realtime', client_secret: 's', extra: 1 } },
      { conversation_engine: { type: 'something-else' } },
      null,
      [],
    ];
    for (const body of refused) expect({ body, ok: CompatCreateSessionRequest.safeParse(body).success }).toEqual({ body, ok: false });
  });

  it('takes a task text as avatar.speak does: non-empty, bounded, nothing else', () => {
    expect(CompatTaskRequest.parse({ text: 'Hello, world!' })).toEqual({ text: 'Hello, world!' });
    const refused = [{}, { text: '' }, { text: '   ' }, { text: 'x'.repeat(MAX_SPEAK_TEXT_LENGTH + 1) }, { text: 'a\u0000b' }, { text: 'hi', session_id: 'x' }, { text: 1 }];
    for (const body of refused) expect({ body, ok: CompatTaskRequest.safeParse(body).success }).toEqual({ body, ok: false });
  });
});
