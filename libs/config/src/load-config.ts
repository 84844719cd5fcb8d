import { z } from 'zod';

/** Thrown at start-up when the environment does not satisfy an app's schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment against one app's schema. Every problem names the
 * variable, so a missing or bad value stops the process with a message that says
 * what to fix.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const value = env[variable];
      return value === undefined || value === '' ? `${variable} is required (${issue.message})` : `${variable}: ${issue.message}`;
    }),
  );
}
