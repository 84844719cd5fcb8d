#!/bin/sh
# The image's command: which part of the platform this container runs.
#   gateway | worker | notifier     the app, with OpenTelemetry preloaded (OTEL_* configure it)
#   migrate [deploy|status]         database migrations (scripts/db/migrate.js; default deploy)
#   admin <command> [...]           the admin CLI on DATABASE_URL (npm run admin -- --help)
# `exec`: the app replaces this shell, so the SIGTERM that tini (PID 1) forwards reaches
# node itself and the app drains (docs/operations.md, "Stopping").
set -eu
cd "$(dirname "$0")/.."

PRELOAD=./dist/libs/observability/src/tracing/preload.js

usage() {
  echo "usage: entrypoint.sh gateway | worker | notifier | migrate [deploy|status] | admin <command>" >&2
  exit 2
}

[ "$#" -gt 0 ] || usage
command="$1"
shift
case "$command" in
  gateway | worker | notifier)
    exec node --enable-source-maps --require "$PRELOAD" "./dist/apps/$command/src/main.js" "$@"
    ;;
  migrate)
    [ "$#" -gt 0 ] || set -- deploy
    exec node ./scripts/db/migrate.js "$@"
    ;;
  admin)
    exec node ./scripts/admin.js "$@"
    ;;
  *)
    usage
    ;;
esac
