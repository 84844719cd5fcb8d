'use strict';
// Runs the project's infrastructure (Redis, NATS with JetStream, PostgreSQL) from
// Debian's packages on private loopback ports, for the test suites and the dev
// launcher. Every process started here stops with its parent; see children.js.
const { ensureBinaries } = require('./binaries');
const { freePort } = require('./ports');
const { startRedis } = require('./redis');
const { startNats } = require('./nats');
const { generateNatsCredentials, natsClientOptions, natsEnvOf } = require('./nats-auth');
const { startPostgres } = require('./postgres');
const { createDatabase, dropDatabase, databaseUrl } = require('./databases');
const { leaveSignalsToCaller, trackChild, stopChild } = require('./children');

module.exports = {
  ensureBinaries,
  freePort,
  startRedis,
  startNats,
  generateNatsCredentials,
  natsClientOptions,
  natsEnvOf,
  startPostgres,
  createDatabase,
  dropDatabase,
  databaseUrl,
  leaveSignalsToCaller,
  trackChild,
  stopChild,
};
