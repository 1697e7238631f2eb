#!/usr/bin/env bash
# Every test: unit and end-to-end (Jest), then the web app in Chromium (Playwright, against the
# built server). Both always run; the last line sums them ("N passed, N failed, N skipped") and
# the exit status is non-zero when either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf test-results && mkdir -p test-results

# --forceExit: once the results are in, a handle some test left open must not keep the run
# waiting (one CI run sat after its 469 passes until the 90-minute limit; locally the only
# leftovers are Engine.IO's 30 s close timers of polling sockets).
npx jest --ci --forceExit
jest_status=$?

echo "Building the server for the browser tests..."
npx nest build && (cd web && npx playwright test)
web_status=$?

node test/support/test-summary.js
[ "$jest_status" -eq 0 ] && [ "$web_status" -eq 0 ]
