#!/bin/sh
# The container's entrypoint (see Dockerfile).
#   no arguments:        apply the migrations, then replace this shell with the app (exec), so that
#                        `docker stop`'s SIGTERM reaches the app's own shutdown path;
#   node|sh|bash ...:    run that command as it is;
#   anything else:       a management command: `docker run IMAGE createsuperuser ...`,
#                        `docker compose run --rm app loaddata ...`.
set -eu
cd /app

if [ "$#" -eq 0 ]; then
  node dist/src/cli/main.js migrate
  # The flags are start:prod's (package.json): see README, "Performance".
  exec node --max-semi-space-size=32 dist/src/main.js
fi

case "$1" in
  node | sh | bash) exec "$@" ;;
  *) exec node dist/src/cli/main.js "$@" ;;
esac
