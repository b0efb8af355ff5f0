#!/usr/bin/env bash
# The whole test suite: sets up .venv, installs the Debian packages the tests need (when run as
# root with apt-get), and runs pytest. Tests start and stop their own mongod (and other servers)
# on free 127.0.0.1 ports. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
APT_PACKAGES=(redis-server)   # Debian packages the tests need (redis-server: tests/test_redis.py)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "[healthcrawl] please install: ${missing[*]}" >&2
    fi
fi
set +e
python -m pytest -q -p no:cacheprovider "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
    echo "[healthcrawl] pytest collected no tests: that is a failure" >&2
    exit 1
fi
exit "$code"
