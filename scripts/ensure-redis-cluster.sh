#!/usr/bin/env bash
# Makes sure redis-server and redis-cli are there for the Redis Cluster tests
# (apps/worker/src/cluster/redis-cluster.e2e.spec.ts starts its own 3-master cluster on free ports:
# libs/testing/src/redis-cluster.ts). Debian's redis-server package brings both (redis-cli is in
# redis-tools, which it depends on); cluster mode needs Redis 7 for `--cluster-port`. Installs it as
# root; otherwise says how.
set -uo pipefail
have() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
if have; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server or redis-cli is missing: installing Debian's redis-server for the cluster tests..."
  log=/tmp/leasehold-redis-install.log
  if ! bash "$(dirname "$0")/apt-install.sh" redis-server "$log"; then
    echo "Installing redis-server failed; see $log." >&2
    exit 1
  fi
  have && exit 0
fi
cat >&2 <<MSG
The Redis Cluster tests need redis-server and redis-cli (Redis 7), and one of them is missing.
Install them with:   sudo apt-get update && sudo apt-get install -y redis-server
then run the tests again.
MSG
exit 1
