import { z } from 'zod';
import { CreateSessionRequest, ListSessionsQuery, PlatformError } from '@avatar/contracts';
import { validate, ZodValidationPipe } from './zod-validation.pipe';

function rejection(fn: () => unknown): PlatformError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformError);
    return err as PlatformError;
  }
  throw new Error('expected the pipe to throw');
}

describe('ZodValidationPipe', () => {
  it('answers the parsed value, with defaults applied and coercions done', () => {
    expect(validate(ListSessionsQuery).transform({ limit: '20' })).toEqual({ limit: 20, offset: 0, sort: '-created_at' });
    expect(new ZodValidationPipe(CreateSessionRequest).transform(undefined)).toEqual({ quality: 'medium' });
  });

  it('bounds the list offset', () => {
    expect(validate(ListSessionsQuery).transform({ offset: '10000' })).toMatchObject({ offset: 10_000 });
    const err = rejection(() => validate(ListSessionsQuery).transform({ offset: '10001' }));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details).toEqual({ fields: [expect.objectContaining({ field: 'offset' })] });
  });

  it('throws VALIDATION_ERROR listing every failing field with its message', () => {
    const pipe = validate(z.strictObject({ name: z.string({ message: 'name is required' }), age: z.number({ message: 'age must be a number' }) }));

    const err = rejection(() => pipe.transform({ age: 'old' }));

    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.status).toBe(400);
    expect(err.details).toEqual({
      fields: [
        { field: 'name', message: 'name is required' },
        { field: 'age', message: 'age must be a number' },
      ],
    });
    expect(err.message).toBe('invalid request: name: name is required; age: age must be a number');
  });

  it('names nested fields by their dotted path', () => {
    const pipe = validate(z.object({ voice_settings: z.object({ speed: z.number().max(2, 'too fast') }) }));

    const err = rejection(() => pipe.transform({ voice_settings: { speed: 3 } }));

    expect(err.details).toEqual({ fields: [{ field: 'voice_settings.speed', message: 'too fast' }] });
  });

  it('names a failure of the whole body (body)', () => {
    const pipe = validate(z.object({ a: z.string() }, { message: 'body must be an object' }));

    const err = rejection(() => pipe.transform('not an object'));

    expect(err.details).toEqual({ fields: [{ field: '(body)', message: 'body must be an object' }] });
  });
});
