import type { TenantScope } from '@avatar/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { sql, SQL_CLIENT, SqlClient } from './sql-client';

export type ChatMessageRole = 'system' | 'user' | 'assistant';
/** A reply is `streaming` until it ends: complete, interrupted (by the session's interrupt) or failed (the engine). */
export type ChatMessageStatus = 'complete' | 'streaming' | 'interrupted' | 'failed';

export interface ChatMessageRow {
  id: string;
  seq: number;
  role: ChatMessageRole;
  content: string;
  status: ChatMessageStatus;
  model: string | null;
  createdAt: Date;
  endedAt: Date | null;
}

export interface NewChatTurn {
  /** The caller's messages of this turn (the user's, and any system message), in order. */
  messages: Array<{ id: string; role: ChatMessageRole; content: string }>;
  /** The agent's reply that follows them: written now as `streaming`, ended by `endReply`. */
  reply: { id: string; model: string };
}

export type ChatTurnResult =
  /** `interruptSeq`: the session's interrupt count as the turn began (EnqueueConditions.interruptSeq). */
  | { outcome: 'started'; interruptSeq: number }
  | { outcome: 'session_not_found' }
  | { outcome: 'session_not_active'; status: string };

/**
 * A session's conversation (chat.completions). Positions come from the session row
 * (chat_seq, like task_seq): concurrent turns get distinct, gap-free places. Every
 * method takes the tenant id first.
 */
@Injectable()
export class ChatMessagesRepository {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /**
   * One statement: the session must be active; the turn's messages and its reply
   * (empty, `streaming`) take the next places; the session's interrupt count comes
   * back with them, read under the same row lock.
   */
  async startTurn(tenantId: TenantScope, sessionId: string, turn: NewChatTurn): Promise<ChatTurnResult> {
    const ids = [...turn.messages.map((m) => m.id), turn.reply.id];
    const roles = [...turn.messages.map((m) => m.role), 'assistant'];
    const contents = [...turn.messages.map((m) => m.content), ''];
    const statuses = [...turn.messages.map(() => 'complete'), 'streaming'];
    const models = [...turn.messages.map(() => null), turn.reply.model];
    const rows = await this.sql.rows<{ interrupt_seq: number }>(sql`
      WITH next AS (
        UPDATE sessions s SET chat_seq = s.chat_seq + ${ids.length}::int
         WHERE s.tenant_id = ${tenantId}::uuid AND s.id = ${sessionId}::uuid AND s.status = 'active'
     RETURNING s.chat_seq - ${ids.length}::int AS base, s.interrupt_seq
      ), added AS (
        INSERT INTO chat_messages (id, tenant_id, session_id, seq, role, content, status, model)
        SELECT m.id, ${tenantId}::uuid, ${sessionId}::uuid, next.base + m.n::int, m.role, m.content, m.status, m.model
          FROM next, unnest(${ids}::uuid[], ${roles}::text[], ${contents}::text[], ${statuses}::text[], ${models}::text[])
               WITH ORDINALITY AS m(id, role, content, status, model, n)
      )
      SELECT interrupt_seq FROM next`);
    if (rows.length === 1) return { outcome: 'started', interruptSeq: rows[0].interrupt_seq };
    const [session] = await this.sql.rows<{ status: string }>(sql`
      SELECT status::text AS status FROM sessions WHERE tenant_id = ${tenantId}::uuid AND id = ${sessionId}::uuid`);
    return session ? { outcome: 'session_not_active', status: session.status } : { outcome: 'session_not_found' };
  }

  /** The reply's final text and how it ended (once: a reply that already ended is left as it is). */
  async endReply(tenantId: TenantScope, replyId: string, content: string, status: Exclude<ChatMessageStatus, 'streaming'>): Promise<boolean> {
    const count = await this.sql.count(sql`
      UPDATE chat_messages SET content = ${content}, status = ${status}, ended_at = now()
       WHERE tenant_id = ${tenantId}::uuid AND id = ${replyId}::uuid AND status = 'streaming'`);
    return count === 1;
  }

  /** The last `limit` messages of the session's conversation, oldest first. */
  async conversation(tenantId: TenantScope, sessionId: string, limit: number): Promise<ChatMessageRow[]> {
    const rows = await this.sql.rows<ChatMessageRow>(sql`
      SELECT id::text AS id, seq, role, content, status, model, created_at AS "createdAt", ended_at AS "endedAt"
        FROM chat_messages
       WHERE tenant_id = ${tenantId}::uuid AND session_id = ${sessionId}::uuid
       ORDER BY seq DESC LIMIT ${limit}`);
    return rows.reverse();
  }
}
