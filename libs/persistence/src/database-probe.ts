import type { Db } from './repositories/prisma-client.token';

/** One trivial query; throws when the database is unreachable. */
export async function probeDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
