#!/usr/bin/env bash
# The cuda device's checks, on a machine with an NVIDIA GPU and CuPy (CI has no GPU, so it
# never runs this). Installs the repo's distributions into the current Python without
# fetching anything (--no-deps --no-index: CuPy, PyTorch, pluggy, ml_dtypes, pytest and
# hypothesis must be there already), then
#   1. the cuda backend's tests (backends/cupy/tests),
#   1b. the demo training run on cuda,
#   2. the conformance suite on "cuda", in SHARDS processes side by side (--shard K/N),
#      failures merged into conformance-failures.txt,
#   3. bench/run.py --check on cuda (first-step loss/gradients equal to torch CUDA's) and
#      bench/compare.sh ember torch --device cuda (alternating fresh processes).
#     bash backends/cupy/gpu-check.sh [OUTDIR]        (default: $OUT, else /tmp/gpu-check)
# Environment: PYTHON, SHARDS (default 12), CONF_TIMEOUT (seconds, default 300), ROUNDS,
# BENCH (workloads, default "mlp_step cnn_step"), PARTS (default "unit demo conformance
# bench": which parts to run), DEVICE (default cuda; DEVICE=cpu tries the
# script itself on a machine without a GPU).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUTDIR="${1:-${OUT:-/tmp/gpu-check}}"
PY="${PYTHON:-python3}"
SHARDS="${SHARDS:-12}"
DEV="${DEVICE:-cuda}"
mkdir -p "$OUTDIR"
export PYTHONUNBUFFERED=1 PYTHONHASHSEED=0 CUPY_CACHE_DIR="${CUPY_CACHE_DIR:-/tmp/cupy-cache}"

args=()
for d in core backends/* plugins/* conformance; do
  [ -f "$d/pyproject.toml" ] && args+=(-e "$d")
done
"$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
  --no-index "${args[@]}" || exit 1
if [ "$DEV" = cuda ]; then
  "$PY" -c "import ember; assert ember.cuda.is_available(), ember.cuda.unavailable_reason(); \
print('cuda:', ember.cuda.device_count(), 'device(s):', ember.cuda.get_device_name())" || exit 1
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

PARTS=" ${PARTS:-unit demo conformance bench} "
want() { [[ "$PARTS" == *" $1 "* ]]; }

status=0
if want unit; then
  echo "== 1. backends/cupy tests"
  "$PY" -m pytest -q -p no:cacheprovider backends/cupy/tests \
    2>&1 | tee "$OUTDIR/unit.log" | tail -n 30
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

if [ "$DEV" = cuda ] && want demo; then
  echo "== 1b. the demo training run on cuda (3 epochs)"
  "$PY" examples/demo.py --device cuda --epochs 3 --out "$(mktemp -d)" 2>&1 \
    | tee "$OUTDIR/demo.log" | tail -n 4
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

want conformance && {
echo "== 2. conformance on $DEV, $SHARDS shards"
tmp="$(mktemp -d)"
xf=(); [ -f backends/cupy/conformance-xfail.toml ] && xf=(--xfail-file backends/cupy/conformance-xfail.toml)
for ((k = 0; k < SHARDS; k++)); do
  timeout "${CONF_TIMEOUT:-300}" "$PY" -m ember_conformance --device "$DEV" --shard "$k/$SHARDS" \
    "${xf[@]}" -q -p no:cacheprovider --tb=line --report "$tmp/report-$k.json" \
    > "$tmp/log-$k.txt" 2>&1 &
done
wait
"$PY" - "$tmp" "$SHARDS" "$DEV" > "$OUTDIR/conformance-failures.txt" <<'PYEOF' || status=1
import collections, json, os, sys
tmp, n, dev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counts, failed, missing = collections.Counter(), [], []
for k in range(n):
    path = os.path.join(tmp, f"report-{k}.json")
    if not os.path.exists(path):
        log = open(os.path.join(tmp, f"log-{k}.txt")).read()
        missing.append(f"shard {k}: no report (timed out or crashed); log tail:\n{log[-1500:]}")
        continue
    for rec in json.load(open(path))["results"]:
        counts[rec["outcome"]] += 1
        if rec["outcome"] == "failed":
            failed.append(f'{rec["id"]}: {(rec["message"] or "").splitlines()[0][:300]}')
print(f"conformance on {dev}: {dict(counts)}; {len(missing)} shard(s) without a report")
print("\n".join(missing))
print("\n".join(sorted(failed)))
sys.exit(1 if failed or missing else 0)
PYEOF
head -n 3 "$OUTDIR/conformance-failures.txt"
tail -qn 1 "$tmp"/log-*.txt
}

want bench || exit $status
echo "== 3. benchmarks on $DEV against torch"
"$PY" bench/run.py --check --device "$DEV" --workload ${BENCH:-mlp_step cnn_step} 2>&1 \
  | tee "$OUTDIR/check.log" || status=1
ROUNDS="${ROUNDS:-3}" RESULTS="$OUTDIR/bench.md" PYTHON="$PY" \
  NOTE="$([ "$DEV" = cuda ] && "$PY" -c 'import ember; print("GPU:", ember.cuda.get_device_name())')" \
  bash bench/compare.sh ember torch --device "$DEV" --workload ${BENCH:-mlp_step cnn_step} \
  || status=1
exit $status
