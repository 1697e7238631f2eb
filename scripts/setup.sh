#!/usr/bin/env bash
# Installs what the project needs, so `npm start` and `npm test` work on a fresh machine:
# the npm dependencies exactly as locked (again only when package-lock.json changed).
# The embedded database builds itself on first use (see src/database/embedded).
set -euo pipefail
cd "$(dirname "$0")/.."

required_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$required_major" ]; then
  echo "CollabCampus needs Node.js $required_major or newer (found $(node --version))." >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "Installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund
fi

# The protocol package (types and constants shared by the server and the client SDK) is compiled
# once, and again whenever one of its sources is newer than its build.
protocol_build=protocol/dist/index.js
if [ ! -f "$protocol_build" ] || [ -n "$(find protocol/src protocol/tsconfig.json -newer "$protocol_build" -print -quit)" ]; then
  echo "Building the protocol package..."
  npx tsc -p protocol/tsconfig.json
fi

# The board web app (web/, with the client SDK and the protocol from their sources) is built into
# web/dist, which the server serves at `/`: once, and again whenever a source is newer.
web_build=web/dist/index.html
if [ ! -f "$web_build" ] || [ -n "$(find web/src web/index.html web/vite.config.ts client/src protocol/src -newer "$web_build" -print -quit)" ]; then
  echo "Building the web app..."
  (cd web && npx vite build --logLevel warn)
fi
