#!/usr/bin/env bash
# Create .venv in the project root and install what healthcrawl needs (idempotent, quick when
# nothing changed), then put .venv/bin first on PATH. Meant to be sourced (by you, by
# scripts/demo.sh and scripts/test.sh): the only change it leaves in your shell is PATH — no shell
# options (the work runs in a subshell with `set -euo pipefail`), no working-directory change.
# Returns non-zero (never exits your shell) when the installation fails.
_healthcrawl_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if (
    set -euo pipefail
    cd "$_healthcrawl_root"
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
); then
    case ":$PATH:" in
        *":$_healthcrawl_root/.venv/bin:"*) ;;
        *) export PATH="$_healthcrawl_root/.venv/bin:$PATH" ;;
    esac
    unset _healthcrawl_root
else
    echo "[healthcrawl] bootstrap failed: see the lines above" >&2
    unset _healthcrawl_root
    false
fi
