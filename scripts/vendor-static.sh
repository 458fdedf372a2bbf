#!/usr/bin/env bash
# Installs the front-end libraries from the npm registry (package.json + package-lock.json, `npm ci`)
# and copies the built files, with their licences, into static/vendor/ (gitignored; whitenoise
# serves them, collectstatic collects them). Nothing is fetched from a CDN or committed.
set -euo pipefail
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "suo needs Node.js (18 or newer) and npm to install its chart library (Apache ECharts) from the" >&2
  echo "npm registry. Install them (Debian: apt-get install nodejs npm) and run the command again." >&2
  exit 1
fi
cd "${0%/*}/.."
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
dest=static/vendor/echarts
mkdir -p "$dest"
cp node_modules/echarts/dist/echarts.common.min.js "$dest/echarts.min.js"
cp node_modules/echarts/LICENSE node_modules/echarts/NOTICE "$dest/"
version=$(node -p "require('./node_modules/echarts/package.json').version")
echo "echarts $version from the npm registry (package-lock.json); Apache-2.0, see LICENSE and NOTICE." > "$dest/VERSION.txt"
touch "$dest/echarts.min.js"
