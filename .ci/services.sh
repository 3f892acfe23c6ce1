#!/usr/bin/env bash
# Starts the local services Dabba's tests use (Postgres for the domain tests' second pass, Redis
# for scale-out tests), if installed and not already running, and waits until they answer.
# Idempotent: safe to run any number of times; a service already up is left alone.
set -u

# Waits up to 30 s for a command to succeed.
wait_for() {
  local name="$1"
  shift
  for _ in $(seq 1 60); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "services: $name is still not answering"
}

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || echo "services: redis did not start"
    wait_for redis redis-cli -h 127.0.0.1 -p 6379 ping
  fi
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  # The cluster that listens on 5432 (pg_lsclusters: version, name, port, status, …).
  cluster="$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1, $2; exit }')"
  if [ -n "$cluster" ]; then
    # shellcheck disable=SC2086 # "version name" on purpose
    pg_ctlcluster --skip-systemctl-redirect $cluster start || echo "services: postgres did not start"
    wait_for postgres pg_isready -q -h 127.0.0.1 -p 5432
  else
    echo "services: no Postgres cluster configured on port 5432"
  fi
fi
exit 0
