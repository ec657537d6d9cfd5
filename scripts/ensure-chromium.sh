#!/usr/bin/env bash
# Makes sure headless Chromium is there for the portal web app's browser tests
# (apps/portal-web/e2e, playwright-core with executablePath /usr/bin/chromium). Playwright's own
# browser download is not used: Debian's package is. Installs it as root; otherwise says how.
set -uo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing at $CHROMIUM: installing Debian's chromium for the browser tests (a few minutes)..."
  if ! bash "$(dirname "$0")/apt-install.sh" chromium /tmp/leasehold-chromium-install.log; then
    echo "Installing chromium failed; see /tmp/leasehold-chromium-install.log." >&2
    exit 1
  fi
  [ -x "$CHROMIUM" ] && exit 0
fi
cat >&2 <<MSG
The portal web app's browser tests need headless Chromium at $CHROMIUM, and it is missing.
Install it with:   sudo apt-get update && sudo apt-get install -y chromium
(or point CHROMIUM_PATH at a Chromium or Chrome binary), then run npm test again.
MSG
exit 1
