import { encodeJson } from './json-codec';
import { decodeCommand, decodeEventEnvelope, InvalidMessageError, RefusedMessages } from './message-validation';

const envelope = (event: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  encodeJson({ tenant_id: 't1', session_id: 's1', emitted_at: '2026-11-21T10:00:00.000Z', event, ...over });

describe('message validation', () => {
  describe('decodeEventEnvelope', () => {
    it('returns a valid envelope from the stream or the live feed', () => {
      const status = { type: 'status', status: 'idle', message: 'ready' };
      expect(decodeEventEnvelope('evt.t1.s1.status', envelope(status)).event).toEqual(status);
      const frame = { type: 'frame', task_id: 'k', frame_id: 1, timestamp: 1, viseme: 'A', data: 'AA==', mime_type: 'image/png' };
      expect(decodeEventEnvelope('live.t1.s1.frame', envelope(frame)).event).toEqual(frame);
    });

    it.each([
      ['an unknown event type', 'evt.t1.s1.status', envelope({ type: 'sneaky', message: 'x' })],
      ['a field of the wrong type', 'evt.t1.s1.status', envelope({ type: 'status', status: 'idle', message: 42 })],
      ['a missing field', 'live.t1.s1.frame', envelope({ type: 'frame', task_id: 'k', frame_id: 1 })],
      ['no emitted_at', 'evt.t1.s1.status', envelope({ type: 'status', status: 'idle', message: 'm' }, { emitted_at: undefined })],
      ['another session than its subject', 'evt.t1.s2.status', envelope({ type: 'status', status: 'idle', message: 'm' })],
      ['another tenant than its subject', 'evt.t2.s1.status', envelope({ type: 'status', status: 'idle', message: 'm' })],
      ['another type than its subject', 'evt.t1.s1.session.stopped', envelope({ type: 'status', status: 'idle', message: 'm' })],
      ['not JSON', 'evt.t1.s1.status', new TextEncoder().encode('{"tenant_id":')],
    ])('refuses %s', (_what, subject, data) => {
      expect(() => decodeEventEnvelope(subject, data)).toThrow(InvalidMessageError);
    });

    it('says what is wrong without quoting the message', () => {
      const secret = 'what the user said';
      const err = (() => {
        try {
          decodeEventEnvelope('evt.t1.s1.chat', envelope({ type: 'chat', role: secret, content: secret }));
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err?.message).toMatch(/event on evt\.t1\.s1\.chat is invalid: event\.role/);
      expect(err?.message).not.toContain(secret);
    });
  });

  describe('decodeCommand', () => {
    it('parses the body with the schema of the command named by the subject', () => {
      expect(decodeCommand('cmd.t1.s1.listen', encodeJson({ listening: true }))).toEqual({ listening: true });
      expect(() => decodeCommand('cmd.t1.s1.listen', encodeJson({ listening: 'yes' }))).toThrow(/listen command is invalid: listening/);
      expect(() => decodeCommand('cmd.t1.s1.interrupt', encodeJson({ reason: 'because' }))).toThrow(InvalidMessageError);
    });

    it('refuses a command nobody defined', () => {
      expect(() => decodeCommand('cmd.t1.s1.format_disk', encodeJson({}))).toThrow(/unknown command format_disk/);
    });
  });

  describe('RefusedMessages', () => {
    it('logs the first refusal of a kind at once, then at most one line per interval with the count in between', () => {
      const lines: string[] = [];
      const refused = new RefusedMessages((line) => lines.push(line), 1000);
      const err = new InvalidMessageError('event on live.t1.s1.frame is invalid: frame_id: expected number');
      refused.report('live event', err, 0);
      refused.report('live event', err, 10);
      refused.report('live event', err, 20);
      refused.report('stored event', err, 30);
      refused.report('live event', err, 1001);
      expect(lines).toEqual([
        'refused live event: event on live.t1.s1.frame is invalid: frame_id: expected number',
        'refused stored event: event on live.t1.s1.frame is invalid: frame_id: expected number',
        'refused live event: event on live.t1.s1.frame is invalid: frame_id: expected number (and 2 more refused since the last report)',
      ]);
    });
  });
});
