import { connect, NatsConnection } from '@nats-io/transport-node';
import { AdminCliConfigSchema, loadConfig } from '@avatar/config';
import { natsConnectOptions } from '@avatar/messaging';
import { ApiKeysRepository, createDatabase, TenantAdminRepository, VendorCredentialsRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { CredentialCipher } from '../credential-cipher';
import { AdminCliContext, runAdminCli } from './admin-cli';
import type { Announcement, Announcer } from './announcements';

/** How long the CLI waits for NATS (connect, then confirm its announcements). */
const NATS_TIMEOUT_MS = 3000;

/** NATS_USER / NATS_PASSWORD (the `admin` user of the platform's NATS: it may announce, nothing else), or the URL's user. */
async function natsAnnouncer(natsUrl: string, user?: string, password?: string): Promise<{ announcer: Announcer; close(): Promise<void> }> {
  const nc: NatsConnection = await connect({
    ...natsConnectOptions({ url: natsUrl, user, password }),
    name: 'admin-cli',
    timeout: NATS_TIMEOUT_MS,
    maxReconnectAttempts: 0,
  });
  return {
    announcer: {
      async announce(messages: Announcement[]) {
        for (const message of messages) nc.publish(message.subject, message.data);
        await nc.flush();
      },
    },
    close: () => nc.drain(),
  };
}

/** The real context: the database of DATABASE_URL, NATS of NATS_URL if set. */
export async function openAdminCliContext(env: NodeJS.ProcessEnv = process.env): Promise<AdminCliContext> {
  const config = loadConfig(AdminCliConfigSchema, env);
  const db = createDatabase(config.DATABASE_URL);
  const nats = config.NATS_URL ? await natsAnnouncer(config.NATS_URL, config.NATS_USER, config.NATS_PASSWORD).catch(async (err: Error) => {
    await db.close();
    throw new Error(`NATS_URL is set but NATS did not answer (${err.message}): unset it to change the database only`);
  }) : null;
  return {
    tenants: new TenantAdminRepository(db.prisma),
    keys: new ApiKeysRepository(db.prisma),
    credentials: new VendorCredentialsRepository(db.prisma),
    webhookEndpoints: new WebhookEndpointsRepository(db.sql),
    cipher: () => CredentialCipher.fromConfig(config),
    announcer: nats?.announcer ?? null,
    async close() {
      await nats?.close().catch(() => undefined);
      await db.close();
    },
  };
}

/** scripts/admin.js: runs the command line and resolves to the exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runAdminCli(argv, () => openAdminCliContext(env), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
