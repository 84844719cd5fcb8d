// The app's database connection on a real PostgreSQL: what the pool does when the
// server ends one of its idle connections.
import { createTestDatabase, TestDatabase } from '../../../test/support/infra';
import { createDatabase, Database } from './persistence.module';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;

beforeAll(async () => {
  database = await createTestDatabase('persistence_module');
  connection = createDatabase(database.url);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

it('survives the server ending an idle pooled connection, and answers the next statement on a new one', async () => {
  const { pool } = connection.sql;
  const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const lost = new Promise((resolve) => pool.once('remove', resolve)); // not 'error': the pool's own listener is what is tested

  const other = createDatabase(database.url);
  await other.sql.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  await other.close();
  await lost;

  const again = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  expect(again).not.toBe(pid);
});
