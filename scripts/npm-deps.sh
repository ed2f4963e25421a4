#!/usr/bin/env bash
# Installs the npm packages of the browser tests (package-lock.json: playwright-core only, no
# browser download: the tests drive Debian's chromium) when node_modules is missing or older
# than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules/playwright-core ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "npm-deps: node_modules up to date"
  exit 0
fi
echo "npm-deps: npm ci"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
