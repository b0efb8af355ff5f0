#!/usr/bin/env bash
# The main job on embedded defaults: crawl the bundled offline archive of the four sites through
# every pipeline into the embedded MongoDB (started or reused under ./var/mongo), then print a
# per-site summary. Extra arguments go to `healthcrawl demo`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec healthcrawl demo "$@"
