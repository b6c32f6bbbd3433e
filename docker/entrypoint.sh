#!/bin/sh
# The image's commands. Anything else is run as given (e.g. `sh`).
set -e
# The API and the worker run with the heap settings of scripts/node-flags unless
# NODE_OPTIONS is set (docs/performance.md, "Memory").
export NODE_OPTIONS="${NODE_OPTIONS-$(cat /app/scripts/node-flags)}"
case "$1" in
  api) exec node --enable-source-maps dist/apps/api/apps/api/src/main.js ;;
  worker) exec node --enable-source-maps dist/apps/worker/apps/worker/src/main.js ;;
  migrate) exec node --enable-source-maps dist/apps/api/libs/platform/src/migrate.js ;;
  *) exec "$@" ;;
esac
