#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers and prints the AMQP URL to use (stdout: the URL and nothing
# else; everything else goes to stderr), for the shop-sync tests (test/sync):
#
#   export TEST_AMQP_URL="$(scripts/ensure-rabbitmq.sh)"   # find or start one
#   scripts/ensure-rabbitmq.sh stop                        # stop only what it started
#
# In order it tries TEST_AMQP_URL when set and answering, then amqp://guest:guest@127.0.0.1:5672,
# then starts the machine's broker with `rabbitmq-server -detached` (installing Debian's
# rabbitmq-server first when it is missing and we are root) and waits for it. What it started is
# written to a state file (MARKET_BOT_MQ_STATE, default /tmp/market-bot-mq-<uid>.state), which `stop` reads.
set -euo pipefail

STATE="${MARKET_BOT_MQ_STATE:-${TMPDIR:-/tmp}/market-bot-mq-$(id -u).state}"
DEFAULT_URL="amqp://guest:guest@127.0.0.1:5672"

log() { echo "ensure-rabbitmq: $*" >&2; }

# True when the URL accepts an AMQP connection (a full handshake, with amqplib from node_modules).
answers() {
  AMQP_URL="$1" timeout 15 node -e '
    require("amqplib").connect(process.env.AMQP_URL, { timeout: 5000 })
      .then((c) => c.close()).then(() => process.exit(0), () => process.exit(1));' >/dev/null 2>&1
}

wait_answers() {
  local url="$1" _
  for _ in $(seq 1 120); do
    answers "$url" && return 0
    sleep 1
  done
  return 1
}

stop() {
  [[ -f "$STATE" ]] || { log "nothing to stop ($STATE absent)"; return 0; }
  log "stopping the broker this script started"
  rabbitmqctl stop >&2 || true
  rm -f "$STATE"
}

start() {
  if [[ -n "${TEST_AMQP_URL:-}" ]]; then
    answers "$TEST_AMQP_URL" && { echo "$TEST_AMQP_URL"; return 0; }
    log "TEST_AMQP_URL is set but does not answer; looking for another broker"
  fi
  answers "$DEFAULT_URL" && { echo "$DEFAULT_URL"; return 0; }
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      log "no rabbitmq-server; installing Debian's rabbitmq-server package"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq -o DPkg::Lock::Timeout=120 rabbitmq-server >&2
      # The package may have started its own broker.
      answers "$DEFAULT_URL" && { echo "$DEFAULT_URL"; return 0; }
    else
      log "no rabbitmq-server, and cannot install it (not root)"
      return 1
    fi
  fi
  log "nothing answers on 127.0.0.1:5672; starting rabbitmq-server -detached"
  printf 'KIND=detached\n' >"$STATE"
  rabbitmq-server -detached >&2 || true
  if wait_answers "$DEFAULT_URL"; then
    echo "$DEFAULT_URL"
    return 0
  fi
  log "the broker did not come up within 120 s"
  return 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
