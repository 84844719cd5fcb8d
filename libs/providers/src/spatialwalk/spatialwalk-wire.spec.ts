import {
  decodeMessage,
  encodeAnimation,
  encodeAudioInput,
  encodeConfigureSession,
  encodeConfirmSession,
  encodeInterrupt,
  encodeServerError,
  MessageType,
  messageTypeName,
} from './spatialwalk-wire';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('SpatialWalk wire (proto/message.proto)', () => {
  // Hand-computed from the field numbers: a wrong number, wire type or enum value changes the bytes.
  it('encodes configure-session as type 1 with the sample rate in field 2.1, zero values left out', () => {
    // 08 01 = Message.type (field 1, varint) = CLIENT_CONFIGURE_SESSION (1)
    // 12 03 = Message.client_configure_session (field 2, length 3)
    // 08 80 7d = ClientConfigureSession.sample_rate (field 1, varint) = 16000
    expect(hex(encodeConfigureSession(16000))).toBe('0801' + '1203' + '08807d');
  });

  it('encodes an audio input as type 3 with req_id, end and audio in fields 4.1, 4.2, 4.3', () => {
    // 08 03 type = CLIENT_AUDIO_INPUT; 22 0a = field 4, length 10;
    // 0a 02 "r1" = req_id; 10 01 = end true; 1a 02 01 02 = audio bytes [1, 2]
    expect(hex(encodeAudioInput('r1', Uint8Array.of(1, 2), true))).toBe('0803' + '220a' + '0a027231' + '1001' + '1a020102');
    // end = false is proto3's default: not written.
    expect(hex(encodeAudioInput('r1', Uint8Array.of(1, 2), false))).toBe('0803' + '2208' + '0a027231' + '1a020102');
  });

  it('encodes an interrupt as type 7 with req_id in field 8.1', () => {
    // 08 07 type = CLIENT_INTERRUPT; 42 04 = field 8, length 4; 0a 02 "r1" = req_id
    expect(hex(encodeInterrupt('r1'))).toBe('0807' + '4204' + '0a027231');
  });

  it('decodes server messages by the same numbers', () => {
    // 08 02 type = SERVER_CONFIRM_SESSION; 1a 04 = field 3, length 4; 0a 02 "c1" = connection_id
    expect(hex(encodeConfirmSession('c1'))).toBe('0802' + '1a04' + '0a026331');
    const confirm = decodeMessage(Buffer.from('08021a040a026331', 'hex'));
    expect(confirm.type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    expect(confirm.data).toBe('serverConfirmSession');
    expect(confirm.serverConfirmSession?.connectionId).toBe('c1');

    const error = decodeMessage(encodeServerError({ reqId: 'r1', code: 5, message: 'Avatar not found' }));
    expect(error.type).toBe(MessageType.MESSAGE_SERVER_ERROR);
    expect(error.serverError).toMatchObject({ reqId: 'r1', code: 5, message: 'Avatar not found' });
    // 08 04 type = SERVER_ERROR; 2a 06 = field 5, length 6; 12 02 "r1" = req_id (field 2); 18 05 = code (field 3) 5
    expect(hex(encodeServerError({ reqId: 'r1', code: 5, message: '' }))).toBe('0804' + '2a06' + '12027231' + '1805');
  });

  it('keeps the animation payload the schema does not name, and the end flag in field 6.3', () => {
    // An unknown field 15 (length-delimited): tag 7a, length 2, bytes ab cd.
    const payload = Uint8Array.of(0x7a, 0x02, 0xab, 0xcd);
    const bytes = encodeAnimation({ connectionId: 'c1', reqId: 'r1', end: true, payload });
    // 08 05 type = SERVER_RESPONSE_ANIMATION; 32 0e = field 6, length 14;
    // 0a 02 "c1" = connection_id; 12 02 "r1" = req_id; 18 01 = end (field 3) true; then the payload
    expect(hex(bytes)).toBe('0805' + '320e' + '0a026331' + '12027231' + '1801' + '7a02abcd');
    const decoded = decodeMessage(bytes);
    expect(decoded.serverResponseAnimation).toMatchObject({ connectionId: 'c1', reqId: 'r1', end: true });
    expect(decoded.serverResponseAnimation?.$unknowns).toBeUndefined();
    const kept = decodeMessage(bytes, { keepUnknown: true });
    expect(kept.serverResponseAnimation?.$unknowns?.map((u) => hex(u))).toEqual(['7a02abcd']);
  });

  it('names message types for records', () => {
    expect(messageTypeName(3)).toBe('MESSAGE_CLIENT_AUDIO_INPUT');
    expect(messageTypeName(6)).toBe('MESSAGE_TYPE_6');
  });

  it('refuses bytes that are not a message', () => {
    expect(() => decodeMessage(Buffer.from('0a05', 'hex'))).toThrow();
  });
});
