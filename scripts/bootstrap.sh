#!/usr/bin/env bash
# Create .venv in the project root and install what healthcrawl needs (idempotent, quick when
# nothing changed). Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "[healthcrawl] creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
STAMP=.venv/.healthcrawl-installed
WANT="$(cat requirements.txt requirements-dev.txt setup.py | sha1sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
    echo "[healthcrawl] installing dependencies into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements-dev.txt
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    echo "$WANT" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
