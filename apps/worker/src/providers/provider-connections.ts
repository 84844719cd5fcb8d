import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ProviderConnection, ProviderRegistry, ProviderSessionRef } from '@avatar/providers';

/**
 * This process's open connections to provider sessions, one per session, opened on
 * first use and kept while the session speaks here (see docs/adr/0002).
 */
@Injectable()
export class ProviderConnections implements OnApplicationShutdown {
  private readonly open = new Map<string, Promise<ProviderConnection>>();

  constructor(private readonly registry: ProviderRegistry) {}

  get(provider: string, ref: ProviderSessionRef): Promise<ProviderConnection> {
    const key = ref.spec.sessionId;
    let connection = this.open.get(key);
    if (!connection) {
      connection = this.registry.get(provider).connect(ref);
      // A failed connect is not cached: the next attempt tries again.
      connection.catch(() => this.open.delete(key));
      this.open.set(key, connection);
    }
    return connection;
  }

  async close(sessionId: string): Promise<void> {
    const connection = this.open.get(sessionId);
    this.open.delete(sessionId);
    if (connection) await (await connection).close();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.open.keys()].map((id) => this.close(id)));
  }
}
