import { createClientMessageParser, INVALID_MESSAGE_EVENT } from './client-message-parser';

const parseClientMessage = createClientMessageParser(['interrupt', 'audio_buffer_append']);

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

  it('answers a known message this server does not handle yet as unsupported', () => {
    expect(parseClientMessage('{"type":"start_listening"}')).toEqual({
      event: INVALID_MESSAGE_EVENT,
      data: { code: 'UNSUPPORTED_MESSAGE', message: 'start_listening is not supported by this server yet' },
    });
  });
});
