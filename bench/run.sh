#!/usr/bin/env bash
# Raises the open-file limit as far as this shell may (every socket is a descriptor, on both
# ends), then runs the compiled bench with it.
set -euo pipefail
ulimit -n "$(ulimit -Hn)"
exec node "$(dirname "$0")/../dist/bench/run.js" "$@"
