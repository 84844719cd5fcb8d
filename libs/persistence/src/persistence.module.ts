import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { Db, PRISMA_CLIENT } from './repositories/prisma-client.token';
import { SessionsRepository } from './repositories/sessions.repository';
import { SpeechTasksRepository } from './repositories/speech-tasks.repository';
import { SessionEventsRepository } from './repositories/session-events.repository';
import { TenantsRepository } from './repositories/tenants.repository';

/** Builds the app's PrismaClient on PostgreSQL through the pg driver adapter. */
export function createPrismaClient(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
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
      providers: [{ provide: PRISMA_CLIENT, useFactory: () => createPrismaClient(databaseUrl) }, PrismaShutdown, ...REPOSITORIES],
      exports: [PRISMA_CLIENT, ...REPOSITORIES],
    };
  }
}
