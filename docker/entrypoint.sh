#!/bin/sh
# The image's commands. Anything else is run as given (e.g. `sh`).
set -e
# The API and the worker run with the heap settings of scripts/node-flags unless
# NODE_OPTIONS is set (docs/performance.md, "Memory").
export NODE_OPTIONS="${NODE_OPTIONS-$(cat /app/scripts/node-flags)}"
case "$1" in
  api) exec node --enable-source-maps dist/apps/api/apps/api/src/main.js ;;
  worker) exec node --enable-source-maps dist/apps/worker/apps/worker/src/main.js ;;
  # The migrations, then, given KEY_ENCRYPTION_SECRET, a first token signing key when there is none.
  migrate)
    node --enable-source-maps dist/apps/api/libs/platform/src/migrate.js
    if [ -n "${KEY_ENCRYPTION_SECRET:-}" ]; then
      exec node --enable-source-maps dist/apps/api/libs/platform/src/keys.js keys ensure
    fi
    echo 'migrate: KEY_ENCRYPTION_SECRET is unset, so no signing key was made (the API needs one: `keys ensure`)' ;;
  keys | api-keys) exec node --enable-source-maps dist/apps/api/libs/platform/src/keys.js "$@" ;;
  *) exec "$@" ;;
esac
