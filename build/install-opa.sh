#!/usr/bin/env bash
# Installs the pinned OPA release from its Go module into a project-local tools folder.
# Usage: build/install-opa.sh VERSION TOOLS_DIR. Does nothing when that version is already there.
set -euo pipefail
version="$1"
tools="$2"
opa="$tools/bin/opa"
# Read the whole output before matching: `opa version | grep -q` lets grep exit early, opa dies of
# SIGPIPE, and under pipefail a good install would look broken.
installed="$("$opa" version 2>/dev/null || true)"
if [ -x "$opa" ] && grep -qx "Version: ${version#v}" <<<"$installed"; then
  exit 0
fi
command -v go >/dev/null || { echo "install-opa: 'go' is not on PATH; OPA is built from its Go module" >&2; exit 1; }
echo "install-opa: building OPA $version from its Go module (once) into $tools/bin"
mkdir -p "$tools/bin"
GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@$version"
built="$("$opa" version)"
echo "${built%%$'\n'*}"
