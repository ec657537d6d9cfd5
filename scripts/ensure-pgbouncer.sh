#!/usr/bin/env bash
# Makes sure PgBouncer is there for the transaction-pooler tests
# (apps/license-central/src/client/pooler.e2e.spec.ts start their own PgBouncer on a free port, in
# transaction mode, in front of the test database). Debian's package is used: /usr/sbin/pgbouncer
# (1.18 on bookworm). Only the binary is needed: the package's own service is not started by us
# and the tests never use it. Installs it as root; otherwise says how.
set -uo pipefail
PGBOUNCER=${PGBOUNCER_PATH:-/usr/sbin/pgbouncer}
if [ -x "$PGBOUNCER" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "PgBouncer is missing at $PGBOUNCER: installing Debian's pgbouncer for the pooler tests..."
  log=/tmp/leasehold-pgbouncer-install.log
  if ! bash "$(dirname "$0")/apt-install.sh" pgbouncer "$log"; then
    echo "Installing pgbouncer failed; see $log." >&2
    exit 1
  fi
  [ -x "$PGBOUNCER" ] && exit 0
fi
cat >&2 <<MSG
The transaction-pooler tests need PgBouncer at $PGBOUNCER, and it is missing.
Install it with:   sudo apt-get update && sudo apt-get install -y pgbouncer
(or point PGBOUNCER_PATH at a pgbouncer binary), then run npm test again.
MSG
exit 1
