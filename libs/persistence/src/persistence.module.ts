import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { Db, PRISMA_CLIENT } from './repositories/prisma-client.token';
import { SQL_CLIENT, SqlClient } from './repositories/sql-client';
import { ChatMessagesRepository } from './repositories/chat-messages.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { SpeechTasksRepository } from './repositories/speech-tasks.repository';
import { SessionEventsRepository } from './repositories/session-events.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { WebhookOutboxRepository } from './repositories/webhook-outbox.repository';
import { UsageRepository } from './repositories/usage.repository';
import { WebhookEndpointsRepository } from './repositories/webhook-endpoints.repository';
import { WebhookDeliveriesRepository } from './repositories/webhook-deliveries.repository';
import { TenantAdminRepository } from './repositories/tenant-admin.repository';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { VendorCredentialsRepository } from './repositories/vendor-credentials.repository';

/** Connections each app keeps open to PostgreSQL. */
const POOL_SIZE = 10;
/** Opened at start-up, so the first requests do not pay for connecting. */
const WARM_CONNECTIONS = 4;

/** An app's database: one pg pool, shared by Prisma's driver adapter and the hot-path SqlClient. */
export interface Database {
  prisma: Db;
  sql: SqlClient;
  close(): Promise<void>;
}

/**
 * Opens the app's database on PostgreSQL. The pool never drops idle connections (pg's
 * default drops them after 10 s): a conversation with pauses must not pay a reconnect
 * on its next speak.
 */
export function createDatabase(databaseUrl: string): Database {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE, idleTimeoutMillis: 0 });
  // An idle connection the server ends (a restart, an administrator) is an 'error' on
  // the pool; unheard, it would crash the process. The pool drops that connection and
  // opens a new one when needed: a warning is all it takes.
  pool.on('error', (err) => new Logger('Database').warn(`idle connection lost: ${err.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    sql: new SqlClient(pool),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Prisma alone, for scripts (seeding); `$disconnect` closes its pool. */
export function createPrismaClient(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
}

const DATABASE = Symbol('DATABASE');

@Injectable()
class PoolWarmup implements OnApplicationBootstrap {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(Array.from({ length: WARM_CONNECTIONS }, () => this.sql.pool.query('SELECT 1')));
  }
}

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

const REPOSITORIES = [SessionsRepository, SpeechTasksRepository, SessionEventsRepository, TenantsRepository, WebhookOutboxRepository, WebhookEndpointsRepository, WebhookDeliveriesRepository, TenantAdminRepository, ApiKeysRepository, VendorCredentialsRepository, UsageRepository, ChatMessagesRepository];

/** The database for an app: one client and the tenant-scoped repositories. */
@Module({})
export class PersistenceModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        { provide: DATABASE, useFactory: () => createDatabase(databaseUrl) },
        { provide: PRISMA_CLIENT, useFactory: (database: Database) => database.prisma, inject: [DATABASE] },
        { provide: SQL_CLIENT, useFactory: (database: Database) => database.sql, inject: [DATABASE] },
        PoolWarmup,
        DatabaseShutdown,
        ...REPOSITORIES,
      ],
      exports: [PRISMA_CLIENT, SQL_CLIENT, ...REPOSITORIES],
    };
  }
}
