#!/usr/bin/env bash
# The whole test suite in two tiers: the fast tier (unit and in-process tests, `-m "not e2e"`),
# then the end-to-end tier (subprocess crawls, scrapyd, redis, a real browser: `-m e2e`; the
# marker is set in tests/conftest.py). Fails when either tier fails. Sets up .venv and installs
# the Debian packages the tests need (when run as root with apt-get). Tests start and stop their
# own mongod (and other servers) on free 127.0.0.1 ports.
#   scripts/test.sh            both tiers
#   scripts/test.sh --fast     the fast tier only
#   scripts/test.sh ARGS...    extra arguments go to pytest in both tiers (with -m: one run, as given)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
# Debian packages the tests need: redis-server (tests/test_redis.py …), chromium and
# chromium-driver (the desk's browser tests)
APT_PACKAGES=(redis-server chromium chromium-driver fonts-wqy-microhei)
# under CI, npm too: tests/test_mongosh.py needs mongosh (the npm package), which is installed below
if [ -n "${CI:-}" ] && ! command -v mongosh >/dev/null && ! command -v npm >/dev/null; then
    APT_PACKAGES+=(nodejs npm)
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "[healthcrawl] please install: ${missing[*]}" >&2
    fi
fi
# mongosh (npm package `mongosh`) for tests/test_mongosh.py: required under CI
if [ -n "${CI:-}" ] && [ -z "${MONGOSH:-}" ] && ! command -v mongosh >/dev/null; then
    npm install --prefix "$PWD/.venv/mongosh" --no-audit --no-fund mongosh >/dev/null
    export MONGOSH="$PWD/.venv/mongosh/node_modules/.bin/mongosh"
fi

fast_only=0
own_marker=0
args=()
for arg in "$@"; do
    case "$arg" in
        --fast) fast_only=1 ;;
        -m|-m*) own_marker=1; args+=("$arg") ;;
        *) args+=("$arg") ;;
    esac
done

# run_tier NAME PYTEST-ARGS...: sets the tier's exit code in $code (5, nothing collected, kept)
run_tier() {
    local name=$1 start=$SECONDS
    shift
    echo "[healthcrawl] $name"
    set +e
    python -m pytest -q -p no:cacheprovider --durations=10 "$@"
    code=$?
    set -e
    echo "[healthcrawl] $name: exit $code in $((SECONDS - start)) s"
}

if [ "$own_marker" = 1 ]; then
    run_tier "tests selected by ${args[*]}" ${args[@]+"${args[@]}"}
    [ "$code" = 5 ] && { echo "[healthcrawl] pytest collected no tests: that is a failure" >&2; exit 1; }
    exit "$code"
fi

run_tier "fast tier" -m "not e2e" ${args[@]+"${args[@]}"}
fast=$code
e2e=0
if [ "$fast_only" = 0 ]; then
    run_tier "end-to-end tier" -m e2e ${args[@]+"${args[@]}"}
    e2e=$code
fi
# nothing collected is a failure — for a tier run without arguments; with arguments (a path, -k …)
# one tier may hold none of the selected tests, but not both
if { [ "${#args[@]}" = 0 ] && { [ "$fast" = 5 ] || [ "$e2e" = 5 ]; }; } \
   || { [ "$fast" = 5 ] && { [ "$e2e" = 5 ] || [ "$fast_only" = 1 ]; }; }; then
    echo "[healthcrawl] pytest collected no tests: that is a failure" >&2
    exit 1
fi
for code in "$fast" "$e2e"; do
    if [ "$code" != 0 ] && [ "$code" != 5 ]; then exit "$code"; fi
done
exit 0
