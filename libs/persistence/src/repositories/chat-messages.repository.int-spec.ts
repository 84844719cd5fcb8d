// The conversation store on a real PostgreSQL (a database cloned from the migrated template).
import { randomUUID } from 'node:crypto';
import { TenantScope, TenantScopes } from '@avatar/contracts';
import { createTestDatabase, TestDatabase } from '../../../../test/support/infra';
import { createDatabase, Database } from '../persistence.module';
import { ChatMessagesRepository } from './chat-messages.repository';
import { SpeechTasksRepository } from './speech-tasks.repository';

jest.setTimeout(30_000);

let database: TestDatabase;
let connection: Database;
let repo: ChatMessagesRepository;

beforeAll(async () => {
  database = await createTestDatabase('chat_messages_repo');
  connection = createDatabase(database.url);
  repo = new ChatMessagesRepository(connection.sql);
});

afterAll(async () => {
  await connection.close();
  await database.drop();
});

async function tenant(): Promise<TenantScope> {
  const id = TenantScopes.ofRecord(randomUUID());
  await connection.prisma.$executeRawUnsafe(`INSERT INTO tenants (id, name) VALUES ($1::uuid, 'spec')`, id);
  return id;
}

async function session(tenantId: string, status: 'active' | 'created' | 'stopped' = 'active'): Promise<string> {
  const id = randomUUID();
  await connection.prisma.$executeRawUnsafe(
    `INSERT INTO sessions (id, tenant_id, provider, avatar_id, quality, status) VALUES ($1::uuid, $2::uuid, 'local', 'avatar_1', 'high', $3::session_status)`,
    id,
    tenantId,
    status,
  );
  return id;
}

function turn(text: string, system?: string) {
  const messages = [
    ...(system ? [{ id: randomUUID(), role: 'system' as const, content: system }] : []),
    { id: randomUUID(), role: 'user' as const, content: text },
  ];
  return { messages, reply: { id: randomUUID(), model: 'scripted' } };
}

describe('ChatMessagesRepository', () => {
  it('writes the turn and its streaming reply in order, and the conversation reads them back oldest first', async () => {
    const t = await tenant();
    const s = await session(t);
    const first = turn('Hello', 'Be brief.');

    const started = await repo.startTurn(t, s, first);
    await repo.endReply(t, first.reply.id, 'Hi there.', 'complete');
    const second = turn('How are you?');
    await repo.startTurn(t, s, second);

    expect(started).toEqual({ outcome: 'started', interruptSeq: 0 });
    const conversation = await repo.conversation(t, s, 50);
    expect(conversation.map((m) => [m.seq, m.role, m.content, m.status])).toEqual([
      [1, 'system', 'Be brief.', 'complete'],
      [2, 'user', 'Hello', 'complete'],
      [3, 'assistant', 'Hi there.', 'complete'],
      [4, 'user', 'How are you?', 'complete'],
      [5, 'assistant', '', 'streaming'],
    ]);
    expect(conversation[2].model).toBe('scripted');
  });

  it('gives concurrent turns distinct, gap-free places', async () => {
    const t = await tenant();
    const s = await session(t);

    await Promise.all(Array.from({ length: 8 }, (_, i) => repo.startTurn(t, s, turn(`message ${i}`))));

    const seqs = (await repo.conversation(t, s, 100)).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it("answers the session's interrupt count as the turn begins", async () => {
    const t = await tenant();
    const s = await session(t);
    const tasks = new SpeechTasksRepository(connection.prisma, connection.sql);
    await tasks.interruptPending(t, s);
    await tasks.interruptPending(t, s);

    expect(await repo.startTurn(t, s, turn('again'))).toEqual({ outcome: 'started', interruptSeq: 2 });
  });

  it('refuses a session that is not active, and another tenant’s session, writing nothing', async () => {
    const t = await tenant();
    const created = await session(t, 'created');
    const active = await session(t);

    expect(await repo.startTurn(t, created, turn('hi'))).toEqual({ outcome: 'session_not_active', status: 'created' });
    expect(await repo.startTurn(await tenant(), active, turn('hi'))).toEqual({ outcome: 'session_not_found' });
    expect(await repo.conversation(t, created, 10)).toEqual([]);
    expect(await repo.conversation(t, active, 10)).toEqual([]);
  });

  it('ends a reply once; another tenant cannot end it or read the conversation', async () => {
    const t = await tenant();
    const s = await session(t);
    const first = turn('Tell me a story');
    await repo.startTurn(t, s, first);
    const other = await tenant();

    expect(await repo.endReply(other, first.reply.id, 'hijacked', 'complete')).toBe(false);
    expect(await repo.endReply(t, first.reply.id, 'Once upon', 'interrupted')).toBe(true);
    expect(await repo.endReply(t, first.reply.id, 'Once upon a time', 'complete')).toBe(false);
    expect(await repo.conversation(other, s, 10)).toEqual([]);
    const reply = (await repo.conversation(t, s, 10))[1];
    expect([reply.content, reply.status, reply.endedAt]).toEqual(['Once upon', 'interrupted', expect.any(Date)]);
  });

  it('keeps the last `limit` messages of a long conversation', async () => {
    const t = await tenant();
    const s = await session(t);
    for (let i = 0; i < 3; i++) await repo.startTurn(t, s, turn(`turn ${i}`));

    expect((await repo.conversation(t, s, 2)).map((m) => m.seq)).toEqual([5, 6]);
  });
});
