#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1. Starts the local services when they are
# installed but down; otherwise stops with a message that says how to provide them.
set -euo pipefail
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}; REDIS_PORT=${REDIS_PORT:-6379}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # host port seconds
  for _ in $(seq 1 "$3"); do port_open "$1" "$2" && return 0; sleep 1; done
  return 1
}

if ! port_open "$PGHOST" "$PGPORT"; then
  echo "PostgreSQL is not answering on $PGHOST:$PGPORT; trying to start the local cluster..."
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! wait_for "$PGHOST" "$PGPORT" 20; then
    cat >&2 <<MSG
PostgreSQL is not reachable on $PGHOST:$PGPORT.
Start it one of these ways:
  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start   # Debian/Ubuntu package
  docker compose -f docker-compose.dev.yml up -d                               # with Docker
MSG
    exit 1
  fi
fi

if ! port_open "$REDIS_HOST" "$REDIS_PORT"; then
  echo "Redis is not answering on $REDIS_HOST:$REDIS_PORT; trying to start a local redis-server..."
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null || true
  fi
  if ! wait_for "$REDIS_HOST" "$REDIS_PORT" 10; then
    cat >&2 <<MSG
Redis is not reachable on $REDIS_HOST:$REDIS_PORT.
Start it one of these ways:
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  docker compose -f docker-compose.dev.yml up -d
MSG
    exit 1
  fi
fi
echo "PostgreSQL ($PGHOST:$PGPORT) and Redis ($REDIS_HOST:$REDIS_PORT) are up."
