import { Logger } from '@nestjs/common';
import { FlushTracesOnShutdown, flushTraces } from './flush-on-shutdown';
import { setRunningTracing } from './running';

describe('exporting the last spans when an app stops', () => {
  afterEach(() => {
    setRunningTracing(undefined);
    jest.restoreAllMocks();
  });

  it('shuts the SDK down (its processors export what they buffer)', async () => {
    const shutdown = jest.fn().mockResolvedValue(undefined);
    setRunningTracing({ serviceName: 'avatar-spec', shutdown });

    await new FlushTracesOnShutdown().onApplicationShutdown();

    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('gives up after the timeout when the collector does not answer, and the app stops anyway (a warning, no error)', async () => {
    setRunningTracing({ serviceName: 'avatar-spec', shutdown: () => new Promise(() => undefined) });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await expect(flushTraces(50)).rejects.toThrow('within 50 ms');
    await expect(new FlushTracesOnShutdown().onApplicationShutdown()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('spans not exported at shutdown'));
  }, 10_000);

  it('does nothing when tracing was not started (no preload, OTEL_SDK_DISABLED)', async () => {
    await expect(flushTraces(50)).resolves.toBeUndefined();
  });
});
