#!/usr/bin/env bash
# Alternating A/B benchmark rounds in fresh processes (A B / B A / A B ...), then a table of
# median per-round ratios A/B per workload (wall and CPU time); appends the table to
# bench/RESULTS.md with date, machine and command. Every workload of every round runs in its
# own pair of processes, back to back: the two measurements of a pair see the same phase of
# a shared machine, and no workload runs on a heap another workload has shaped.
#   bash bench/compare.sh ember torch [--workload ...] [--threads 1] [--repeat 20]
#   bash bench/compare.sh ember@/path/to/other/checkout ember    # one ember against another
# A library written LIB@ROOT runs LIB from the source tree ROOT (an older commit's worktree:
# its core, numpy backend, nn and optim sources go first on PYTHONPATH).
# Environment: PYTHON (interpreter), ROUNDS (number of rounds, default 3), NOTE (a remark
# appended to the table's header, e.g. "shared machine, noisy"), RESULTS (output file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A="$1"; B="$2"; shift 2
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
ROUNDS="${ROUNDS:-3}"
RESULTS="${RESULTS:-bench/RESULTS.md}"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

run_one() {   # run_one SPEC ROUND ARGS...
  local spec="$1" round="$2"; shift 2
  local lib="${spec%%@*}"
  if [[ "$spec" == *@* ]]; then
    local root="${spec#*@}"
    PYTHONPATH="$root/core/src:$root/backends/numpy/src:$root/plugins/nn/src:$root/plugins/optim/src${PYTHONPATH:+:$PYTHONPATH}" \
      "$PY" bench/run.py --lib "$lib" --label "$spec" --json --round "$round" "$@"
  else
    "$PY" bench/run.py --lib "$lib" --json --round "$round" "$@"
  fi
}

mapfile -t WORKLOADS < <("$PY" bench/run.py --print-workloads "$@")
for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2 == 0)); then order=("$A" "$B"); else order=("$B" "$A"); fi
  for w in "${WORKLOADS[@]}"; do
    for spec in "${order[@]}"; do
      run_one "$spec" "$r" "$@" --workload "$w" >> "$OUT"
    done
  done
done
"$PY" bench/summarize.py "$OUT" "$A" "$B" "ROUNDS=$ROUNDS bash bench/compare.sh $A $B $*" \
  "${NOTE:-}" | tee -a "$RESULTS"
