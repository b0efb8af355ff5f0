#!/usr/bin/env bash
# The main job on embedded defaults: crawl the bundled offline archive of the four sites through
# every pipeline into the embedded MongoDB (started or reused under ./var/mongo), then print a
# per-site summary. Run from the project root (var/ is there). Extra arguments go to `healthcrawl demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
exec healthcrawl demo "$@"
