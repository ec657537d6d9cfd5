# Sourced by bench/run.sh and bench/run-scale.sh (from the repository root, after scripts/env.sh):
# wrk where it is missing (Debian's package; the benches fall back to autocannon and say so when
# it cannot be installed), then license-central's production build unless BENCH_SKIP_BUILD=1.
if ! command -v wrk >/dev/null && [[ "${BENCH_LOAD_GENERATOR:-wrk}" == "wrk" ]]; then
  echo "wrk not found: installing Debian's package…"
  bash scripts/apt-install.sh wrk /tmp/leasehold-wrk-install.log || echo "could not install wrk: the bench falls back to autocannon"
fi

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  echo "building license-central (production)…"
  timeout 600 npx nx build license-central --configuration=production --skip-nx-cache >/dev/null
fi
