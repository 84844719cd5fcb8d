import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { API_KEY_SCOPES, CreateApiKeyRequest, CreateTenantRequest, TENANT_STATUSES, TenantScopes } from '@avatar/contracts';
import type { ApiKeysRepository, TenantAdminRepository, TenantRow, VendorCredentialsRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import type { CredentialCipher } from '../credential-cipher';
import { resealVendorCredentials } from '../vendor-credentials';
import { auditLine, AuditDetails } from './admin-audit';
import { adminNotFound } from './admin-errors';
import { existingTenant } from './existing-tenant';
import { apiKeyView, createdApiKeyView, tenantView } from './admin-views';
import { Announcement, announcements, Announcer } from './announcements';
import { issueApiKey } from './issue-api-key';
import { resealWebhookSecrets } from './reseal-webhook-secrets';
import { newTenantDocuments } from './tenant-documents';

/**
 * `npm run admin -- <command>`: the operator's tool for bootstrapping tenants and keys
 * without curl. It talks to the database directly (DATABASE_URL), so it works before
 * any gateway runs and needs no ADMIN_TOKEN; it shares the admin API's repositories,
 * input schemas, key issuing and views. What it cannot do is what only a running
 * platform does: stop sessions. See USAGE for what that means for `tenants disable`.
 */

export const ADMIN_CLI_USAGE = `usage: npm run admin -- <command> [options]

Talks to the database directly (DATABASE_URL). Add --json to any command for JSON output.

  tenants create --name <name> [--id <uuid>]      create an active tenant; prints its id
  tenants list [--status active|disabled]          every tenant, in id order
  tenants disable <tenant-id>                      mark the tenant disabled (see below)
  tenants enable <tenant-id>                       mark it active again
  keys create <tenant-id> --name <name> [--scopes ${API_KEY_SCOPES.join(',')}]
                                                   create an API key (all scopes by default);
                                                   the key is printed this once
  keys list <tenant-id>                            the tenant's keys: prefix, scopes, dates
  keys revoke <tenant-id> <key-id>                 revoke a key
  credentials reseal                               re-encrypt vendor credentials and webhook signing
                                                   secrets sealed with an old key (CREDENTIALS_OLD_KEYS)
                                                   under CREDENTIALS_KEY; exit 1 if some are sealed with
                                                   a key in neither (they are listed)

Disabling or revoking through the CLI changes the database only. A gateway refuses the
key as soon as it looks it up again: at once for a key it has not cached, within
API_KEY_CACHE_TTL_MS (10 min by default) for one it has, unless NATS_URL is set (the
gateways' NATS): then the CLI announces the change and every gateway drops the key at
once. Running sessions of a tenant disabled here are NOT stopped: use the admin API
(POST /admin/v1/tenants/<id>/disable), which also stops them (end reason tenant_disabled).

Environment: DATABASE_URL (required); NATS_URL (optional, see above);
CREDENTIALS_KEY and CREDENTIALS_OLD_KEYS (credentials reseal).
Exit codes: 0 done, 1 failed (unknown tenant or key, database error), 2 usage error.`;

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** What the commands work with; opened only once the command line is valid. */
export interface AdminCliContext {
  tenants: TenantAdminRepository;
  keys: ApiKeysRepository;
  credentials: VendorCredentialsRepository;
  webhookEndpoints: WebhookEndpointsRepository;
  /** Built from CREDENTIALS_KEY / CREDENTIALS_OLD_KEYS when a command needs it. */
  cipher(): CredentialCipher;
  /** Null without NATS_URL. */
  announcer: Announcer | null;
  close(): Promise<void>;
}

export interface CliOutput {
  /** Results (stdout). */
  out(line: string): void;
  /** Audit lines, notes and errors (stderr). */
  err(line: string): void;
}

class UsageError extends Error {}
class CommandFailed extends Error {}

interface Parsed {
  positionals: string[];
  values: { name?: string; id?: string; status?: string; scopes?: string; json?: boolean; help?: boolean };
}

interface Command<T> {
  /** Names of the positional arguments, in order. */
  positionals: string[];
  options: Array<'name' | 'id' | 'status' | 'scopes'>;
  /** Checks the command line (no database yet); throws UsageError. */
  prepare(args: Parsed): T;
  run(ctx: AdminCliContext, input: T, io: CliOutput, asJson: boolean): Promise<void>;
}

const command = <T>(definition: Command<T>): Command<unknown> => definition as Command<unknown>;

const uuid = (what: string, value: string): string => {
  const parsed = z.uuid().safeParse(value);
  if (!parsed.success) throw new UsageError(`${what} must be a UUID: ${JSON.stringify(value)}`);
  return parsed.data.toLowerCase();
};

function valid<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new UsageError(result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
}

function audit(io: CliOutput, action: string, tenantId: string | null, details?: AuditDetails): void {
  io.err(auditLine('admin-cli', action, tenantId, details));
}

async function announce(ctx: AdminCliContext, io: CliOutput, messages: Announcement[], otherwise: string): Promise<void> {
  if (!ctx.announcer) {
    io.err(`note: NATS_URL is not set, so no gateway was told: ${otherwise}`);
    return;
  }
  await ctx.announcer.announce(messages);
  io.err('announced on NATS: every gateway drops its cached copy now');
}

const print = (io: CliOutput, value: unknown) => io.out(JSON.stringify(value, null, 2));
const tenantArg = (args: Parsed) => TenantScopes.administered(uuid('tenant-id', args.positionals[0]));

const KEY_CACHE_NOTE = 'a gateway that cached the key keeps accepting it for up to API_KEY_CACHE_TTL_MS (10 min by default)';
const PAGE = 200;

const COMMANDS: Record<string, Command<unknown>> = {
  'tenants create': command({
    positionals: [],
    options: ['name', 'id'],
    prepare({ values }) {
      if (values.name === undefined) throw new UsageError('tenants create needs --name <name>');
      return {
        request: valid(CreateTenantRequest, { name: values.name }),
        tenant: TenantScopes.administered(values.id !== undefined ? uuid('--id', values.id) : randomUUID()),
      };
    },
    async run(ctx, { request, tenant }, io, asJson) {
      if (await ctx.tenants.find(tenant)) throw new CommandFailed(`tenant ${tenant} already exists`);
      const row = await ctx.tenants.create(tenant, newTenantDocuments(request));
      audit(io, 'tenant.create', row.id, { name: row.name });
      if (asJson) return print(io, tenantView(row));
      io.out(`created tenant ${row.id} (${row.name})`);
      io.out(`next: npm run admin -- keys create ${row.id} --name <key name>`);
    },
  }),
  'tenants list': command({
    positionals: [],
    options: ['status'],
    prepare: ({ values }) => (values.status === undefined ? undefined : valid(z.enum(TENANT_STATUSES), values.status)),
    async run(ctx, status, io, asJson) {
      const rows: TenantRow[] = [];
      for (let after: string | undefined; ; ) {
        const page = await ctx.tenants.list({ status, after, limit: PAGE });
        rows.push(...page);
        if (page.length < PAGE) break;
        after = page[page.length - 1].id;
      }
      if (asJson) return print(io, rows.map(tenantView));
      if (rows.length === 0) return io.out('no tenants');
      for (const row of rows) io.out(`${row.id}  ${row.status.padEnd(8)}  ${row.createdAt.toISOString()}  ${row.name}`);
    },
  }),
  'tenants disable': command({
    positionals: ['tenant-id'],
    options: [],
    prepare: tenantArg,
    async run(ctx, tenant, io, asJson) {
      const row = await ctx.tenants.setStatus(tenant, 'disabled');
      if (!row) throw adminNotFound.tenant(tenant);
      audit(io, 'tenant.disable', tenant, { sessions_stopped: 0 });
      await announce(ctx, io, announcements.tenantDisabled(tenant), KEY_CACHE_NOTE);
      io.err(`note: the tenant's running sessions were not stopped; POST /admin/v1/tenants/${tenant}/disable stops them`);
      if (asJson) return print(io, tenantView(row));
      io.out(`tenant ${tenant} disabled (since ${row.disabledAt?.toISOString()})`);
    },
  }),
  'tenants enable': command({
    positionals: ['tenant-id'],
    options: [],
    prepare: tenantArg,
    async run(ctx, tenant, io, asJson) {
      const row = await ctx.tenants.setStatus(tenant, 'active');
      if (!row) throw adminNotFound.tenant(tenant);
      audit(io, 'tenant.enable', tenant);
      await announce(ctx, io, announcements.tenantChanged(tenant), 'cached settings catch up within TENANT_SETTINGS_CACHE_MS');
      if (asJson) return print(io, tenantView(row));
      io.out(`tenant ${tenant} enabled`);
    },
  }),
  'keys create': command({
    positionals: ['tenant-id'],
    options: ['name', 'scopes'],
    prepare(args) {
      const { name, scopes } = args.values;
      if (name === undefined) throw new UsageError('keys create needs --name <name>');
      const list = scopes === undefined ? undefined : scopes.split(',').map((s) => s.trim()).filter(Boolean);
      return { tenant: tenantArg(args), request: valid(CreateApiKeyRequest, { name, scopes: list }) };
    },
    async run(ctx, { tenant, request }, io, asJson) {
      await existingTenant(ctx.tenants, tenant);
      const { key, record } = issueApiKey(request.name, request.scopes);
      const row = await ctx.keys.create(tenant, record);
      audit(io, 'api_key.create', tenant, { key_id: row.id, scopes: row.scopes });
      if (asJson) return print(io, createdApiKeyView(row, key));
      io.out(`created API key ${row.id} (${row.name}) for tenant ${tenant}, scopes ${row.scopes.join(',')}`);
      io.out(`key: ${key}`);
      io.out('This is the only time the key is shown: store it now.');
    },
  }),
  'keys list': command({
    positionals: ['tenant-id'],
    options: [],
    prepare: tenantArg,
    async run(ctx, tenant, io, asJson) {
      await existingTenant(ctx.tenants, tenant);
      const keys = (await ctx.keys.list(tenant)).map(apiKeyView);
      if (asJson) return print(io, keys);
      if (keys.length === 0) return io.out('no keys');
      for (const k of keys) {
        const state = k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at ? `expires ${k.expires_at}` : 'active';
        io.out(`${k.id}  ${k.prefix}…  ${k.scopes.join(',')}  created ${k.created_at}  last used ${k.last_used_at ?? 'never'}  ${state}  ${k.name}`);
      }
    },
  }),
  'keys revoke': command({
    positionals: ['tenant-id', 'key-id'],
    options: [],
    prepare: (args) => ({ tenant: tenantArg(args), keyId: uuid('key-id', args.positionals[1]) }),
    async run(ctx, { tenant, keyId }, io, asJson) {
      const row = await ctx.keys.revoke(tenant, keyId);
      if (!row) throw adminNotFound.apiKey(tenant, keyId);
      audit(io, 'api_key.revoke', tenant, { key_id: keyId });
      await announce(ctx, io, announcements.keyChanged(tenant, row.keyHash), KEY_CACHE_NOTE);
      if (asJson) return print(io, apiKeyView(row));
      io.out(`API key ${keyId} revoked (since ${row.revokedAt?.toISOString()})`);
    },
  }),
  'credentials reseal': command({
    positionals: [],
    options: [],
    prepare: () => undefined,
    async run(ctx, _none, io, asJson) {
      const cipher = ctx.cipher();
      if (!cipher.canSeal) throw new CommandFailed('CREDENTIALS_KEY is not set: it is the key credentials are re-sealed with');
      const credentials = await resealVendorCredentials(ctx.credentials, cipher);
      const webhooks = await resealWebhookSecrets(ctx.webhookEndpoints, cipher);
      audit(io, 'credentials.reseal', null, {
        key_id: cipher.currentKeyId,
        resealed: credentials.resealed,
        skipped: credentials.skipped,
        webhook_secrets_resealed: webhooks.resealed,
        webhook_secrets_skipped: webhooks.skipped,
      });
      if (asJson) print(io, { key_id: cipher.currentKeyId, vendor_credentials: credentials, webhook_secrets: webhooks });
      else {
        const skipped = credentials.skipped + webhooks.skipped;
        io.out(
          `re-sealed ${credentials.resealed} vendor credential(s), ${webhooks.resealed} webhook secret(s) with key ${cipher.currentKeyId}` +
            (skipped ? `; ${skipped} changed meanwhile (already current)` : ''),
        );
        for (const row of credentials.unopenable) io.out(`cannot open: vendor credentials ${row}`);
        for (const row of webhooks.unopenable) io.out(`cannot open: webhook secret ${row}`);
      }
      const unopenable = credentials.unopenable.length + webhooks.unopenable.length;
      if (unopenable > 0) {
        throw new CommandFailed(`${unopenable} sealed value(s) are sealed with a key that is neither CREDENTIALS_KEY nor in CREDENTIALS_OLD_KEYS`);
      }
    },
  }),
};

function parse(argv: string[]): { command: Command<unknown>; name: string; input: unknown; json: boolean } | 'help' {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        id: { type: 'string' },
        status: { type: 'string' },
        scopes: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }) as Parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help || parsed.positionals[0] === 'help') return 'help';
  if (parsed.positionals.length === 0) throw new UsageError('no command given');
  const [group, verb, ...rest] = parsed.positionals;
  const name = `${group} ${verb ?? ''}`.trim();
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command: ${name}`);
  if (rest.length !== command.positionals.length) {
    throw new UsageError(`${name} takes ${command.positionals.map((p) => `<${p}>`).join(' ') || 'no arguments'}`);
  }
  for (const option of ['name', 'id', 'status', 'scopes'] as const) {
    if (parsed.values[option] !== undefined && !command.options.includes(option)) throw new UsageError(`${name} has no --${option} option`);
  }
  return { command, name, input: command.prepare({ positionals: rest, values: parsed.values }), json: parsed.values.json === true };
}

/**
 * Runs one command; resolves to the exit code (0 done, 1 failed, 2 usage). `open` is
 * called only for a valid command line, so usage errors need no database.
 */
export async function runAdminCli(argv: string[], open: () => Promise<AdminCliContext>, io: CliOutput): Promise<number> {
  let invocation: ReturnType<typeof parse>;
  try {
    invocation = parse(argv);
    if (invocation === 'help') {
      io.out(ADMIN_CLI_USAGE);
      return EXIT.ok;
    }
  } catch (err) {
    io.err(`admin: ${(err as Error).message}\n\n${ADMIN_CLI_USAGE}`);
    return EXIT.usage;
  }
  let ctx: AdminCliContext | undefined;
  try {
    ctx = await open();
    await invocation.command.run(ctx, invocation.input, io, invocation.json);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`admin: ${err.message}\n\nrun \`npm run admin -- --help\` for usage`);
      return EXIT.usage;
    }
    io.err(`admin: ${invocation.name}: ${(err as Error).message}`);
    return EXIT.error;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
