#!/usr/bin/env node
'use strict';
// NATS users of the platform: passwords, and the `authorization` block of nats-server's
// configuration with each user's permissions. The permissions are not written here:
// they come from the permission matrix of the contracts lib
// (libs/contracts/src/messaging/permissions.ts, compiled to dist/ by `npm run build`),
// built from the subject scheme itself.
//
// Used by scripts/infra/nats.js (the embedded NATS of `npm start`, the test suites and
// the benches) and by operators for their own NATS:
//
//   node scripts/infra/nats-auth.js                 the authorization block, each password
//                                                   a reference to $NATS_<ROLE>_PASSWORD
//                                                   (nats-server reads it from its environment)
//   node scripts/infra/nats-auth.js --inline        the same with the passwords of those
//                                                   variables written in (keep the file secret)
//   node scripts/infra/nats-auth.js --matrix        the permission matrix as a Markdown table
//
// A password rotation without downtime (docs/operations.md): NATS_<ROLE>_NEXT_USER names
// a second user of the role (password: $NATS_<ROLE>_NEXT_PASSWORD), valid beside the
// current one until every app has moved to it.
// NATS_<ROLE>_USER renames a role's user (default: the role's name: gateway, worker,
// notifier, admin); the apps then get NATS_USER=<that name>.
const crypto = require('node:crypto');
const path = require('node:path');

const MATRIX_MODULE = path.resolve(__dirname, '..', '..', 'dist', 'libs', 'contracts', 'src', 'messaging', 'permissions.js');

function matrix() {
  try {
    return require(MATRIX_MODULE);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('the NATS permission matrix is compiled from libs/contracts: run `npm run build` first');
  }
}

/** The platform's roles: gateway, worker, notifier, admin. */
function natsRoles() {
  return [...matrix().NATS_ROLES];
}

/** A password per role (32 random bytes, base64url), users named like their roles unless `users` renames them. */
function generateNatsCredentials({ users = {} } = {}) {
  return Object.fromEntries(natsRoles().map((role) => [role, { user: users[role] || role, password: crypto.randomBytes(32).toString('base64url') }]));
}

/**
 * The users of nats-server's `authorization` block, as an object (nats-server reads
 * JSON): `{ users: [{ user, password, permissions }] }`. `credentials` maps each role
 * to `{ user, password }`, or to several (a password rotation: the current user and
 * the next, both valid until every app uses the next); a role left out gets no user.
 */
function natsAuthorization(credentials) {
  const { natsPermissions } = matrix();
  return { users: usersOf(credentials).map(({ role, user, password }) => ({ user, password, permissions: serverPermissions(natsPermissions(role, user)) })) };
}

function usersOf(credentials) {
  const users = Object.entries(credentials).flatMap(([role, given]) => [given].flat().map((credential, i) => ({ role, next: i > 0, ...credential })));
  const names = users.map((u) => u.user);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new Error(`NATS user ${twice} is named twice: each user (and each rotation's next user) needs a name of its own`);
  return users;
}

/** The matrix's shape in nats-server's terms (empty lists left out: an absent allow list allows everything, so none is ever empty where it matters). */
function serverPermissions({ publish, subscribe, allowResponses }) {
  const list = (rule) => Object.fromEntries(Object.entries(rule).filter(([, subjects]) => subjects.length > 0));
  return { publish: list(publish), subscribe: list(subscribe), ...(allowResponses ? { allow_responses: true } : {}) };
}

/**
 * The `authorization { … }` block as nats-server configuration text. With
 * `passwords: 'env'` each password is a variable reference (`$NATS_GATEWAY_PASSWORD`…)
 * that nats-server resolves from its environment, so the file holds no secret.
 */
function natsAuthorizationBlock(credentials, { passwords = 'inline' } = {}) {
  const { users } = natsAuthorization(credentials);
  const given = usersOf(credentials);
  const lines = ['authorization {', '  users = ['];
  users.forEach((entry, i) => {
    const password = passwords === 'env' ? `$${passwordVariable(given[i].role, given[i].next)}` : JSON.stringify(entry.password);
    lines.push('    {', `      user: ${JSON.stringify(entry.user)}`, `      password: ${password}`, `      permissions: ${JSON.stringify(entry.permissions)}`, '    }');
  });
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}

/** NATS_GATEWAY_PASSWORD…, or NATS_GATEWAY_NEXT_PASSWORD… for a rotation's next user. */
function passwordVariable(role, next = false) {
  return `NATS_${role.toUpperCase()}${next ? '_NEXT' : ''}_PASSWORD`;
}

/**
 * Connect options of nats.js for one role's credentials (nats.js takes no user in the
 * URL), with the user's inbox prefix: its replies (and JetStream's) come there, the only
 * inboxes its permissions let it read.
 */
function natsClientOptions(url, credential) {
  const parsed = new URL(url);
  const servers = `${parsed.hostname}:${parsed.port || 4222}`;
  return credential ? { servers, user: credential.user, pass: credential.password, inboxPrefix: matrix().natsInboxPrefix(credential.user) } : { servers };
}

/** NATS_USER and NATS_PASSWORD of one app (nothing without credentials: a NATS without auth). */
function natsEnvOf(credentials, role) {
  const credential = credentials?.[role];
  return credential ? { NATS_USER: credential.user, NATS_PASSWORD: credential.password } : {};
}

/** The matrix as a Markdown table (docs): one row per role. */
function natsPermissionTable() {
  const { natsPermissions } = matrix();
  const cell = (subjects) => (subjects.length ? subjects.map((s) => `\`${s}\``).join('<br>') : '—');
  const rows = natsRoles().map((role) => {
    const p = natsPermissions(role);
    return `| ${role} | ${cell(p.publish.allow)} | ${cell(p.publish.deny)} | ${cell(p.subscribe.allow)} | ${cell(p.subscribe.deny)} | ${p.allowResponses ? 'yes' : 'no'} |`;
  });
  return ['| user | publish: allow | publish: deny | subscribe: allow | subscribe: deny | answers requests |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

function main(argv) {
  if (argv.includes('--matrix')) return void process.stdout.write(`${natsPermissionTable()}\n`);
  const inline = argv.includes('--inline');
  const env = process.env;
  const credential = (role, next) => {
    const variable = passwordVariable(role, next);
    if (inline && !env[variable]) throw new Error(`--inline writes the passwords in: set ${variable}`);
    return { user: env[`NATS_${role.toUpperCase()}${next ? '_NEXT' : ''}_USER`] || role, password: env[variable] ?? '' };
  };
  const credentials = Object.fromEntries(
    natsRoles().map((role) => {
      // A rotation in progress: NATS_<ROLE>_NEXT_USER names a second user of the role.
      const next = env[`NATS_${role.toUpperCase()}_NEXT_USER`];
      return [role, next ? [credential(role, false), credential(role, true)] : credential(role, false)];
    }),
  );
  process.stdout.write(natsAuthorizationBlock(credentials, { passwords: inline ? 'inline' : 'env' }));
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`nats-auth: ${error.message}`);
    process.exit(1);
  }
}

module.exports = { natsRoles, generateNatsCredentials, natsAuthorization, natsAuthorizationBlock, natsClientOptions, natsEnvOf, natsPermissionTable, passwordVariable };
