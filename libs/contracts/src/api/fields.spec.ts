import { z } from 'zod';
import { CreateSessionRequest, SessionIdRequest, StartSessionRequest } from './streaming.dto';
import { SpeakRequest, TaskIdParam } from './speech.dto';
import { entityId, isSafeText, safeText, UNSAFE_TEXT_MESSAGE } from './fields';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** The fields a schema refuses `value` for, with their messages. */
function refused(schema: z.ZodType, value: unknown): Array<{ field: string; message: string }> {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

describe('safeText', () => {
  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a lone high surrogate', 'a\uD83Db'],
    ['a lone high surrogate at the end', 'ab\uD83D'],
    ['a lone low surrogate', 'a\uDE00b'],
    ['a reversed pair', '\uDE00\uD83D'],
  ])('refuses %s', (_name, value) => {
    expect(isSafeText(value)).toBe(false);
    expect(refused(safeText(), value)).toEqual([{ field: '', message: UNSAFE_TEXT_MESSAGE }]);
  });

  it.each([
    ['plain text', 'Welcome to our demo!'],
    ['a surrogate pair (emoji)', 'hi \uD83D\uDE00 there'],
    ['other control characters', 'tab\tnew\nline'],
    ['the empty string', ''],
  ])('accepts %s', (_name, value) => {
    expect(isSafeText(value)).toBe(true);
    expect(safeText().parse(value)).toBe(value);
  });
});

describe('request DTOs refuse NUL and lone surrogates in every string field, naming it', () => {
  const cases: Array<[string, z.ZodType, (bad: string) => unknown, string]> = [
    ['streaming.new avatar_id', CreateSessionRequest, (bad) => ({ avatar_id: bad }), 'avatar_id'],
    ['streaming.new voice_id', CreateSessionRequest, (bad) => ({ voice_id: bad }), 'voice_id'],
    ['streaming.start sdp', StartSessionRequest, (bad) => ({ session_id: ID, sdp: { type: 'offer', sdp: bad } }), 'sdp.sdp'],
    ['avatar.speak text', SpeakRequest, (bad) => ({ session_id: ID, text: bad }), 'text'],
    ['avatar.speak voice_id', SpeakRequest, (bad) => ({ session_id: ID, text: 'hi', voice_id: bad }), 'voice_id'],
  ];
  it.each(cases)('%s', (_name, schema, body, field) => {
    for (const bad of ['x\u0000y', 'x\uD800y']) {
      expect(refused(schema, body(bad))).toEqual([{ field, message: UNSAFE_TEXT_MESSAGE }]);
    }
    expect(refused(schema, body('fine'))).toEqual([]);
  });
});

describe('entityId', () => {
  it('accepts a UUID in any case and answers it lower-cased', () => {
    expect(entityId('x').parse(ID.toUpperCase())).toBe(ID);
    expect(SessionIdRequest.parse({ session_id: ID.toUpperCase() })).toEqual({ session_id: ID });
    expect(StartSessionRequest.parse({ session_id: '3F2504E0-4f89-41D3-9a0c-0305E82C3301' }).session_id).toBe(ID);
    expect(SpeakRequest.parse({ session_id: ID.toUpperCase(), text: 'hi' }).session_id).toBe(ID);
    expect(TaskIdParam.parse({ task_id: ID.toUpperCase() })).toEqual({ task_id: ID });
  });

  it('refuses anything else, naming the field', () => {
    expect(refused(SessionIdRequest, { session_id: 'not-a-uuid' })).toEqual([{ field: 'session_id', message: 'session_id must be a UUID' }]);
    expect(refused(TaskIdParam, { task_id: `${ID}\u0000` })).toEqual([{ field: 'task_id', message: 'task_id must be a UUID' }]);
  });
});
