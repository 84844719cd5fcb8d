'use strict';
// A stand-in for a platform app: says its pid (once its signal handlers are in
// place) and runs until told otherwise. SIGTERM: exits 0, after FAKE_STOP_DELAY_MS
// (a slow graceful stop). SIGUSR1: exits with code 3 (a crash with an exit code).
const keepAlive = setInterval(() => {}, 1_000);
process.on('SIGTERM', () => {
  console.log(`fake app ${process.pid} stopping`);
  setTimeout(() => {
    clearInterval(keepAlive);
    process.exit(0);
  }, Number(process.env.FAKE_STOP_DELAY_MS || 0));
});
process.on('SIGUSR1', () => process.exit(3));
console.log(`fake app up, pid ${process.pid}`);
