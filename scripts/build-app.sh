#!/usr/bin/env bash
# Build the one-folder app in dist/matteditor/ from a clean checkout, then check it.
#   bash scripts/build-app.sh          # uses ./.venv, creating it if needed
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch is named with its version so pip takes the CPU wheel, never a CUDA build.
.venv/bin/pip install -q torch==2.13.0 -e . "pyinstaller>=6.5"
start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN matteditor.spec
echo "built dist/matteditor in $(( $(date +%s) - start ))s, $(du -sh dist/matteditor | cut -f1)"
QT_QPA_PLATFORM=offscreen dist/matteditor/matteditor --self-test
