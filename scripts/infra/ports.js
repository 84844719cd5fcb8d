'use strict';
// Free TCP ports on loopback, chosen by the OS. There is a small window between
// closing the probe socket and the server binding the port; servers started here
// fail fast with a clear "address in use" log tail if another process wins it.
const net = require('node:net');

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

module.exports = { freePort };
