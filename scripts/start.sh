#!/usr/bin/env bash
# `npm start`: install what is missing, make sure Postgres and Redis run, apply migrations, seed
# the demo vendor, start the three apps (nx run-many serve) and print where they listen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-if-needed.sh
bash scripts/ensure-services.sh
source scripts/env.sh

LC_PORT=${LICENSE_CENTRAL_PORT:-3000}
PORTAL_PORT=${PORTAL_PORT:-3001}
WORKER_PORT=${WORKER_PORT:-3002}
HOST=${HOST:-127.0.0.1}

npm run -s db:migrate
seed=$(npm run -s db:seed | tail -n 1)

echo "Building the customer portal web app (apps/portal-web)..."
npx vite build --config apps/portal-web/vite.config.mts --logLevel warn

echo "Building and starting license-central, portal and worker (first build takes a minute or two)..."
# All three apps die with this script (Ctrl-C stops everything).
trap 'trap - EXIT INT TERM; kill 0 2>/dev/null' EXIT INT TERM
npx nx run-many -t serve -p license-central portal worker --parallel=3 --output-style=stream &
serve_pid=$!

wait_ready() { # name port
  for _ in $(seq 1 300); do
    if curl -fs "http://$HOST:$2/health/ready" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$serve_pid" 2>/dev/null; then echo "nx serve stopped; see the output above." >&2; exit 1; fi
    sleep 1
  done
  echo "$1 did not become ready on port $2 within 5 minutes." >&2
  exit 1
}
wait_ready license-central "$LC_PORT"
wait_ready portal "$PORTAL_PORT"
wait_ready worker "$WORKER_PORT"

api_key=$(node -e 'console.log(JSON.parse(process.argv[1]).apiKey)' "$seed")
vendor_slug=$(node -e 'console.log(JSON.parse(process.argv[1]).vendor?.slug ?? "")' "$seed")
portal_login=$(node -e 'const s=JSON.parse(process.argv[1]); console.log(s.portal ? `${s.portal.email} / ${s.portal.password} (vendor "${s.vendor.slug}")` : "")' "$seed")
# The banner is what a newcomer needs (URLs, demo key, demo login): bold and set off on a terminal.
if [ -t 1 ]; then on=$'\e[1;32m'; off=$'\e[0m'; else on=''; off=''; fi
printf '%s' "$on"
cat <<BANNER

============================================================================
 Leasehold is running
   license-central  http://$HOST:$LC_PORT      (OpenAPI: http://$HOST:$LC_PORT/docs)
   portal           http://$HOST:$PORTAL_PORT      (OpenAPI: http://$HOST:$PORTAL_PORT/docs)
   portal web app   http://$HOST:$PORTAL_PORT/login?vendor=$vendor_slug
   worker           http://$HOST:$WORKER_PORT/health/ready

 Demo vendor API key (new on every start; earlier demo keys are revoked):
   $api_key
 Try:
   curl -H "Authorization: Bearer $api_key" http://$HOST:$LC_PORT/v1/products
${portal_login:+ Customer portal: open http://$HOST:$PORTAL_PORT/ and log in as the demo group admin:
   $portal_login
}
 Stop with Ctrl-C.
============================================================================
BANNER
printf '%s' "$off"
wait "$serve_pid"
