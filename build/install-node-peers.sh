#!/usr/bin/env bash
# Installs the pinned npm packages of a folder (package-lock.json) unless node_modules already matches it.
# Usage: build/install-node-peers.sh FOLDER
set -euo pipefail
cd "$1"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
