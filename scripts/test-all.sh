#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine with Node 20
# (run as root, or with sudo available), then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
need=()
for pair in comm:coreutils join:coreutils sshd:openssh-server pdsh:pdsh clush:clustershell prometheus:prometheus promtool:prometheus prometheus-node-exporter:prometheus-node-exporter chromium:chromium faketime:faketime; do
  bin=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then need+=("$pkg"); fi
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The Debian prometheus package starts a service; the tests run their own servers.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl stop prometheus prometheus-node-exporter >/dev/null 2>&1 || true; fi
npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
report="$(mktemp -d)/vitest.json"
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
# One closing line any reader understands: N passed, N failed (N skipped).
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit $status
