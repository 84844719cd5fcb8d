import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { Db, PRISMA_CLIENT } from './repositories/prisma-client.token';
import { SessionsRepository } from './repositories/sessions.repository';
import { SpeechTasksRepository } from './repositories/speech-tasks.repository';
import { SessionEventsRepository } from './repositories/session-events.repository';
import { TenantsRepository } from './repositories/tenants.repository';

/** Connections each app keeps open to PostgreSQL. */
const POOL_SIZE = 10;
/** Opened at start-up, so the first requests do not pay for connecting. */
const WARM_CONNECTIONS = 4;

/**
 * Builds the app's PrismaClient on PostgreSQL through the pg driver adapter. The pool
 * never drops idle connections (pg's default drops them after 10 s): a conversation
 * with pauses must not pay a reconnect on its next speak.
 */
export function createPrismaClient(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: POOL_SIZE, idleTimeoutMillis: 0 }) });
}

@Injectable()
class PoolWarmup implements OnApplicationBootstrap {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(Array.from({ length: WARM_CONNECTIONS }, () => this.db.$queryRaw`SELECT 1`));
  }
}

@Injectable()
class PrismaShutdown implements OnApplicationShutdown {
  constructor(@Inject(PRISMA_CLIENT) private readonly db: Db) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}

const REPOSITORIES = [SessionsRepository, SpeechTasksRepository, SessionEventsRepository, TenantsRepository];

/** The database for an app: one client and the tenant-scoped repositories. */
@Module({})
export class PersistenceModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [{ provide: PRISMA_CLIENT, useFactory: () => createPrismaClient(databaseUrl) }, PoolWarmup, PrismaShutdown, ...REPOSITORIES],
      exports: [PRISMA_CLIENT, ...REPOSITORIES],
    };
  }
}
