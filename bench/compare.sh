#!/usr/bin/env bash
# Alternating A/B benchmark rounds in fresh processes (A B / B A / A B), then a table of
# median ratios A/B per workload; appends the table to bench/RESULTS.md with date, machine
# and command.
#   bash bench/compare.sh ember torch [--workload ...] [--threads 1] [--repeat 20]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A="$1"; B="$2"; shift 2
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
OUT="$(mktemp)"
for order in "$A $B" "$B $A" "$A $B"; do
  for lib in $order; do
    "$PY" bench/run.py --lib "$lib" --json "$@" >> "$OUT"
  done
done
"$PY" bench/summarize.py "$OUT" "$A" "$B" "bash bench/compare.sh $A $B $*" | tee -a bench/RESULTS.md
rm -f "$OUT"
