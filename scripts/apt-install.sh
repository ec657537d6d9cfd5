#!/usr/bin/env bash
# scripts/apt-install.sh PACKAGE LOG: installs Debian's PACKAGE with apt-get (as root, otherwise
# through passwordless sudo), running `apt-get update` only when the first try fails (package lists
# missing or old). Output goes to LOG; the exit status says whether the install worked.
# Used by ensure-chromium.sh, ensure-pgbouncer.sh and bench/prepare.sh.
set -uo pipefail
pkg=$1
log=$2
command -v apt-get >/dev/null 2>&1 || { echo "apt-get is not available" >"$log"; exit 1; }
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq "$pkg" >"$log" 2>&1 \
  || { $SUDO apt-get update -qq >>"$log" 2>&1 && $SUDO apt-get install -y -qq "$pkg" >>"$log" 2>&1; }
