#!/bin/sh
# The simulated programme through the triage: generate a fixed-seed programme, run
# `vigie triage` on its signals, score the events against the truth, and fail when fewer
# than 95 % of the category-1 episodes (possible threats to life) are detected.
# Usage: category1_sensitivity.sh VIGIE [WORK_DIR]
set -eu
vigie=$1
dir=${2:-}
if [ -z "$dir" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
"$vigie" sim --seed 20260301 --patients 2000 --days 30 --out "$dir" --quiet
"$vigie" triage "$dir/signals.ndjson" > "$dir/events.ndjson"
"$vigie" sim score --truth "$dir/truth.ndjson" --events "$dir/events.ndjson" \
    --min-sensitivity 1=95
