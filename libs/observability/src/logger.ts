import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { currentTrace } from './trace-context';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/**
 * The apps' logger: Nest's console logger, JSON lines in production (for log
 * shippers), readable text in development; every line carries the trace id of the
 * request or job it belongs to, so logs and traces meet.
 */
export class PlatformLogger extends ConsoleLogger {
  constructor(app: string, options: { level: LogLevel; json: boolean }) {
    super(app, { logLevels: LEVELS.slice(0, LEVELS.indexOf(options.level) + 1), json: options.json, prefix: app, timestamp: !options.json });
  }

  protected override formatContext(context: string): string {
    const trace = currentTrace();
    const base = super.formatContext(context);
    return trace ? `${base}[trace ${trace.traceId.slice(0, 8)}] ` : base;
  }
}

export function createLogger(app: string, config: { NODE_ENV: string; LOG_LEVEL: LogLevel }): PlatformLogger {
  return new PlatformLogger(app, { level: config.LOG_LEVEL, json: config.NODE_ENV === 'production' });
}
