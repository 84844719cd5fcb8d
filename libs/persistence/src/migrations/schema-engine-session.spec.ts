import { withDriverErrors } from './schema-engine-session';

describe('withDriverErrors', () => {
  it('replaces "External error id#N" with the message of the error the driver threw', () => {
    const original = Object.assign(new Error('getaddrinfo ENOTFOUND db.example'), { code: 'ENOTFOUND' });
    const registry = { consumeError: (id: number) => (id === 3 ? { error: original } : undefined) };
    const mapped = withDriverErrors(new Error('Error in connector: External error id#3'), registry);
    expect(mapped.message).toBe('Error in connector: getaddrinfo ENOTFOUND db.example');
    expect(mapped.cause).toBe(original);
  });

  it('keeps messages without an external error id as they are', () => {
    const mapped = withDriverErrors(new Error('Database `x` does not exist'), { consumeError: () => undefined });
    expect(mapped.message).toBe('Database `x` does not exist');
  });
});
