'use strict';
// Ctrl-C / SIGTERM / SIGHUP for a launcher that stops its children in order: a
// signal calls onStop(signal) (which stops things and exits); one that arrives while
// isStopping() exits at once (130) and the exit hooks of scripts/infra kill the rest.
const { leaveSignalsToCaller } = require('../infra');

function handleStopSignals({ isStopping, onStop }) {
  leaveSignalsToCaller(); // we stop things in order; scripts/infra must not race us
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (isStopping()) process.exit(130);
      else onStop(signal);
    });
  }
}

module.exports = { handleStopSignals };
