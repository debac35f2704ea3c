#!/usr/bin/env bash
# End-to-end check of the editor under a virtual X server.
#
#   apt-get install -y xvfb xdotool imagemagick libxcb-cursor0   # once
#   scripts/ui-smoke.sh [PHOTO]                     # from the repository root
#
# Starts Xvfb, launches `matteditor resources/sample/sample.jpg`, paints a
# foreground and a background stroke with xdotool, waits for the live alpha,
# screenshots every view into docs/, exports the cutout with Ctrl+E and checks
# the file (scripts/ui_smoke.py).  Uses a throw-away settings/data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PHOTO=${1:-resources/sample/sample.jpg}
DISPLAY_NUM=${SMOKE_DISPLAY:-:77}
WORK=$(mktemp -d)
OUT="$WORK/out"
mkdir -p "$OUT" docs "$WORK/config/matteditor"
LOG="$WORK/editor.log"

for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y xvfb xdotool imagemagick"; exit 2; }
done

# Fresh settings: default geometry, exports go to $OUT.
cat > "$WORK/config/matteditor/matteditor.conf" <<CONF
[files]
export_folder=$OUT
CONF

Xvfb "$DISPLAY_NUM" -screen 0 1280x820x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
EDITOR_PID=""
cleanup() {
  [ -n "$EDITOR_PID" ] && kill "$EDITOR_PID" 2>/dev/null || true
  kill "$XVFB_PID" 2>/dev/null || true
  cp "$LOG" "${SMOKE_LOG:-/tmp/matteditor-ui-smoke.log}" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do xdpyinfo -display "$DISPLAY_NUM" >/dev/null 2>&1 && break; sleep 0.1; done

export DISPLAY=$DISPLAY_NUM QT_QPA_PLATFORM=xcb MATTEDITOR_LOG=debug
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
"$PY" -m matteditor "$PHOTO" >"$LOG" 2>&1 &
EDITOR_PID=$!

status=0
"$PY" scripts/ui_smoke.py --log "$LOG" --out "$OUT" --docs docs || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- editor log (tail) ----"; tail -40 "$LOG"
fi
exit "$status"
