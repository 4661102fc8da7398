#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers and prints the URL to use (stdout: the URL and nothing else;
# everything else goes to stderr), so both CI and a developer can write:
#
#   export TEST_DATABASE_URL="$(scripts/ensure-postgres.sh)"   # start or find one
#   scripts/ensure-postgres.sh stop                            # stop only what it started
#   scripts/ensure-postgres.sh throwaway                       # always a cluster of its own
#
# In order it tries:
#   1. TEST_DATABASE_URL, when already set and answering;
#   2. a server on 127.0.0.1:5432 that lets `postgres` in without a password (the node-svc machines);
#   3. the machine's own cluster, started with pg_ctlcluster;
#   4. a throwaway cluster: initdb (as the `postgres` user when run as root, since initdb refuses root)
#      in a temp folder, trust auth, on a free port, its socket in that folder. The server binaries are
#      installed from Debian's packages first when they are missing and we are root.
# What it started is written to a state file (MARKET_BOT_PG_STATE, default /tmp/market-bot-pg-<uid>.state),
# which `stop` reads; a throwaway cluster recorded there is reused while it still answers.
set -euo pipefail

STATE="${MARKET_BOT_PG_STATE:-${TMPDIR:-/tmp}/market-bot-pg-$(id -u).state}"
DEFAULT_URL="postgresql://postgres@127.0.0.1:5432/postgres"

log() { echo "ensure-postgres: $*" >&2; }

# True when a URL accepts a query (or, without psql, when the server answers at all).
answers() {
  local url="$1"
  if command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=5 psql "$url" -XAtqc 'select 1' >/dev/null 2>&1
  else
    pg_isready -q -d "$url" >/dev/null 2>&1
  fi
}

wait_answers() {
  local url="$1" _
  for _ in $(seq 1 60); do
    answers "$url" && return 0
    sleep 0.5
  done
  return 1
}

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  [[ -f "$STATE" ]] || { log "nothing to stop ($STATE absent)"; return 0; }
  local KIND="" VERSION="" DIR="" BINDIR="" PORT=""
  # shellcheck disable=SC1090
  source "$STATE"
  case "$KIND" in
    cluster)
      log "stopping the machine's cluster $VERSION/main, which this script started"
      pg_ctlcluster --skip-systemctl-redirect "$VERSION" main stop -m fast >&2 || true
      ;;
    throwaway)
      log "stopping the throwaway cluster on port $PORT and removing $DIR"
      if [[ -d "$DIR/data" ]]; then as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true; fi
      rm -rf "$DIR"
      ;;
  esac
  rm -f "$STATE"
}

try_machine_cluster() {
  answers "$DEFAULT_URL" && return 0
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  local v
  for v in /etc/postgresql/*; do
    v="${v##*/}"
    [[ -d "/etc/postgresql/$v/main" ]] || continue
    log "nothing answers on 127.0.0.1:5432; starting the machine's cluster $v/main"
    if pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 && wait_answers "$DEFAULT_URL"; then
      printf 'KIND=cluster\nVERSION=%q\n' "$v" >"$STATE"
      return 0
    fi
    log "the machine's cluster $v/main did not come up"
  done
  return 1
}

start_throwaway() {
  local bindir
  if ! bindir="$(pg_bindir)"; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      log "no PostgreSQL server binaries; installing Debian's postgresql package"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
      # The package may have created and started its own cluster on 5432.
      try_machine_cluster && { echo "$DEFAULT_URL"; return 0; }
      bindir="$(pg_bindir)" || { log "still no initdb after installing postgresql"; return 1; }
    else
      log "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and cannot install them (not root)"
      return 1
    fi
  fi
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  local dir port
  dir="$(mktemp -d "${TMPDIR:-/tmp}/market-bot-pg.XXXXXX")"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  for port in $(seq 54329 54429); do port_in_use "$port" || break; done
  log "starting a throwaway cluster ($bindir) in $dir on port $port"
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1; }
  # Record before starting, so `stop` cleans up even a half-started server.
  printf 'KIND=throwaway\nDIR=%q\nBINDIR=%q\nPORT=%q\n' "$dir" "$bindir" "$port" >"$STATE"
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2; then
    cat "$dir/server.log" >&2 || true
    stop
    return 1
  fi
  local url="postgresql://postgres@127.0.0.1:$port/postgres"
  wait_answers "$url" || { log "the throwaway cluster does not answer"; stop; return 1; }
  echo "$url"
}

start() {
  if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    answers "$TEST_DATABASE_URL" && { echo "$TEST_DATABASE_URL"; return 0; }
    log "TEST_DATABASE_URL is set but does not answer; looking for another server"
  fi
  # A throwaway cluster from an earlier call that still runs.
  if [[ -f "$STATE" ]]; then
    local KIND="" PORT=""
    # shellcheck disable=SC1090
    source "$STATE"
    if [[ "$KIND" == throwaway ]] && answers "postgresql://postgres@127.0.0.1:$PORT/postgres"; then
      echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
      return 0
    fi
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && ! answers "$DEFAULT_URL"; then
    log "a server answers on 127.0.0.1:5432 but does not let postgres in without a password"
  elif try_machine_cluster; then
    echo "$DEFAULT_URL"
    return 0
  fi
  start_throwaway
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  # Always a throwaway cluster of its own, whatever else runs (isolation; also tests this script).
  throwaway) start_throwaway ;;
  *)
    echo "usage: $0 [start|stop|throwaway]" >&2
    exit 2
    ;;
esac
