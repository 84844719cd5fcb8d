// SqlClient on a real PostgreSQL: its statements are prepared once per connection.
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { sql, SqlClient } from './sql-client';

jest.setTimeout(30_000);

let database: TestDatabase;
let pool: Pool;
let client: SqlClient;

beforeAll(async () => {
  database = await createTestDatabase('sql_client');
  pool = new Pool({ connectionString: database.url, max: 1 }); // one connection: what it prepared is visible to the next statement
  client = new SqlClient(pool);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

const prepared = async () =>
  (await pool.query<{ statement: string; calls: string }>(`SELECT statement, generic_plans + custom_plans AS calls FROM pg_prepared_statements`)).rows;

it('prepares a statement on first use and executes the prepared one afterwards, with each call’s values', async () => {
  const statement = (n: number) => sql`SELECT ${n}::int + 1 AS next`;

  await expect(client.rows(statement(1))).resolves.toEqual([{ next: 2 }]);
  await expect(client.rows(statement(41))).resolves.toEqual([{ next: 42 }]);

  const mine = (await prepared()).filter((p) => p.statement.includes('+ 1 AS next'));
  expect(mine).toHaveLength(1);
  expect(Number(mine[0].calls)).toBe(2);
});

it('keeps statements with different text apart', async () => {
  await client.count(sql`SELECT ${'a'}::text AS one`);
  await client.count(sql`SELECT ${'a'}::text AS two`);

  const texts = (await prepared()).map((p) => p.statement);
  expect(texts.filter((t) => / AS (one|two)$/.test(t))).toHaveLength(2);
});
