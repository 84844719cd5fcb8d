import { INVALID_MESSAGE_EVENT, parseClientMessage } from './client-message-parser';

describe('parseClientMessage', () => {
  it('routes a valid message by its type', () => {
    expect(parseClientMessage(Buffer.from('{"type":"interrupt"}'))).toEqual({ event: 'interrupt', data: { type: 'interrupt' } });
    expect(parseClientMessage('{"type":"audio_buffer_append","data":{"audio":"AAAA"}}').event).toBe('audio_buffer_append');
  });

  it('routes malformed JSON, a missing type, an unknown type and a bad body to the invalid event', () => {
    expect(parseClientMessage('{nope')).toEqual({ event: INVALID_MESSAGE_EVENT, data: { code: 'INVALID_MESSAGE', message: 'message is not valid JSON' } });
    expect(parseClientMessage('{"kind":"x"}').data).toEqual({ code: 'INVALID_MESSAGE', message: 'message has no "type"' });
    expect(parseClientMessage('{"type":"dance"}').data).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE' });
    expect(parseClientMessage('{"type":"audio_buffer_append","data":{"audio":"%%%"}}').data).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(parseClientMessage('null').event).toBe(INVALID_MESSAGE_EVENT);
  });

  it('routes every message type of the protocol, and checks the audio sample rate', () => {
    for (const type of ['audio_buffer_commit', 'audio_buffer_clear', 'start_listening', 'stop_listening']) {
      expect(parseClientMessage(JSON.stringify({ type })).event).toBe(type);
    }
    expect(parseClientMessage('{"type":"audio_buffer_append","data":{"audio":"AAAA","sample_rate":16000}}').data).toMatchObject({ data: { sample_rate: 16000 } });
    expect(parseClientMessage('{"type":"audio_buffer_append","data":{"audio":"AAAA","sample_rate":96000}}').data).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(parseClientMessage('{"type":"audio_buffer_append","data":{"audio":""}}').data).toMatchObject({ code: 'INVALID_MESSAGE' });
  });
});
