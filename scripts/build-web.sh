#!/usr/bin/env bash
# Copy the front-end libraries the web console needs from node_modules (installed by `npm ci`
# from package-lock.json) into src/lanyan/web/static/vendor/, which is generated, not committed.
# Usage: scripts/build-web.sh            (runs `npm ci` first when node_modules is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/leaflet/dist/leaflet.js ] || [ ! -f node_modules/echarts/dist/echarts.esm.min.mjs ]; then
    command -v npm >/dev/null || { echo "build-web: npm is missing (apt-get install npm)" >&2; exit 1; }
    npm ci --no-audit --no-fund
fi

vendor=src/lanyan/web/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/leaflet/images" "$vendor/echarts"

cp node_modules/leaflet/dist/leaflet-src.esm.js "$vendor/leaflet/leaflet.esm.js"
cp node_modules/leaflet/dist/leaflet.css "$vendor/leaflet/leaflet.css"
cp node_modules/leaflet/dist/images/*.png "$vendor/leaflet/images/"
cp node_modules/leaflet/LICENSE "$vendor/leaflet/LICENSE"
# .mjs renamed to .js so every server and mimetypes table serves it as JavaScript.
cp node_modules/echarts/dist/echarts.esm.min.mjs "$vendor/echarts/echarts.esm.min.js"
cp node_modules/echarts/LICENSE "$vendor/echarts/LICENSE"

node -e 'for (const p of ["leaflet", "echarts"]) console.log(p, require(`./node_modules/${p}/package.json`).version)' \
    > "$vendor/VERSIONS.txt"
echo "build-web: vendor files in $vendor ($(tr '\n' ' ' < "$vendor/VERSIONS.txt"))"
