import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { PlatformError } from '@avatar/contracts';

/**
 * Validates a body, query or params with the contract's schema. A failure answers
 * VALIDATION_ERROR listing each field and what is wrong with it, before any use case
 * runs, so nothing is written.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
    throw new PlatformError('VALIDATION_ERROR', `invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
}

export const validate = <S extends z.ZodType>(schema: S) => new ZodValidationPipe(schema);
