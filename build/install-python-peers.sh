#!/usr/bin/env bash
# Creates FOLDER/.venv with the pinned packages of FOLDER/requirements.txt, unless it already matches.
# Usage: build/install-python-peers.sh FOLDER
set -euo pipefail
cd "$1"
marker=.venv/.installed-requirements
if [ -f "$marker" ] && cmp -s requirements.txt "$marker"; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
cp requirements.txt "$marker"
