#!/usr/bin/env bash
# Device check for GPU sharing (docs/gpu.md), for one machine with an NVIDIA GPU; about 2-4 minutes:
#   1. build with the CUDA path (TUNELAB_CUDA=ON, no GUI) and run the GPU tests, the CUDA ones included;
#   2. run the same 8 digits_mlp trials one at a time with gpu=1, then four at a time with gpu=0.25;
#   3. print, for both runs, the mean NVML utilisation, the wall time and the energy (whole card, and the part
#      attributed to trials).
# Usage: bench/device/gpu_check.sh [OUT_DIR]     (BUILD_DIR overrides the build folder, default build-gpu-check)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$SRC/build-gpu-check}
OUT=${1:-${OUT:-$(mktemp -d)}}
mkdir -p "$OUT"
JOBS=$(nproc 2>/dev/null || echo 4)
START=$(date +%s)
say() { printf '== %s (%ds)\n' "$*" "$(( $(date +%s) - START ))"; }

say "device"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=index,name,memory.total,driver_version,power.limit --format=csv,noheader || true
else
  echo "nvidia-smi not found: is there an NVIDIA driver?"
fi
for tool in cmake nvcc python3; do
  command -v "$tool" >/dev/null || { echo "gpu_check: $tool is required" >&2; exit 1; }
done

say "configure and build (CUDA on, GUI off)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
arch=native
[ -n "${CUDA_ARCH:-}" ] && arch=$CUDA_ARCH
cmake -S "$SRC" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTUNELAB_CUDA=ON -DTUNELAB_BUILD_UI=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
grep -E "TuneLab CUDA path|CUDA compiler identification" "$OUT/configure.log" || true
targets=(tunelab tunelab-trial tunelab_cuda)
for t in "$SRC"/tests/core/gpu/test_*.cpp; do targets+=("core_gpu_$(basename "$t" .cpp)"); done
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
ls -l "$BUILD/bin/libtunelab_cuda.so"

say "GPU tests (ctest -R core_gpu_)"
if ! (cd "$BUILD" && timeout 240 ctest -R '^core_gpu_' --output-on-failure -j 4) >"$OUT/ctest.log" 2>&1; then
  echo "gpu_check: GPU tests FAILED (the runs below still go ahead); failures:"
  grep -E "FAIL!|Loc:" "$OUT/ctest.log" | head -20
fi
tail -12 "$OUT/ctest.log"
grep -E "PASS   : TestDigitsCuda::matchesTheCpuPath|SKIP   : TestDigitsCuda" "$BUILD/Testing/Temporary/LastTest.log" | head -5 || true

# The same 8 configurations in both runs (grid over lr x hidden, fixed seed).
write_spec() {  # $1 = gpu share, $2 = max_concurrent
  cat <<JSON
{"name": "gpu_check", "objective": {"metric": "val_accuracy", "mode": "max"},
 "space": {"lr": {"type": "grid", "values": [0.02, 0.05, 0.1, 0.2]},
           "hidden": {"type": "grid", "values": [1024, 2048]},
           "batch_size": 16, "epochs": 15, "dropout": 0.1},
 "search": {"type": "grid"},
 "trainable": {"builtin": "digits_mlp"},
 "num_samples": 1, "max_concurrent": $2, "seed": 1,
 "resources_per_trial": {"cpu": 1, "gpu": $1}}
JSON
}

run_study() {  # $1 = label, $2 = gpu share, $3 = max_concurrent
  local dir="$OUT/$1"
  rm -rf "$dir" && mkdir -p "$dir"
  write_spec "$2" "$3" >"$dir/spec.json"
  say "run $1: 8 digits_mlp trials, gpu=$2, $3 at a time"
  local t0 t1
  t0=$(date +%s.%N)
  TUNELAB_GPU_SAMPLE_S=0.2 timeout 200 "$BUILD/bin/tunelab" run "$dir/spec.json" --db "$dir/study.db" --quiet \
    >"$dir/run.log" 2>&1 || { tail -20 "$dir/run.log"; exit 1; }
  t1=$(date +%s.%N)
  echo "$t0 $t1" >"$dir/times"
  grep -h "digits_mlp:" "$dir"/study_trials/*/stderr.log | sort | uniq -c | head -5 || true
}

run_study whole 1 1
run_study quarter 0.25 4

say "summary"
python3 - "$OUT" <<'PY'
import json, sqlite3, sys
out = sys.argv[1]
print(f"{'run':8} {'trials':>6} {'wall_s':>7} {'mean_util_%':>11} {'card_energy_kJ':>14} {'trial_energy_kJ':>15} {'gpu_s':>7} {'best_acc':>8}")
for label in ("whole", "quarter"):
    t0, t1 = map(float, open(f"{out}/{label}/times").read().split())
    db = sqlite3.connect(f"{out}/{label}/study.db")
    rows = db.execute("SELECT gpu, ts, utilization_pct, energy_j, power_w FROM gpu_samples ORDER BY ts").fetchall()
    util = [r[2] for r in rows if r[2] is not None]
    energy = 0.0
    for gpu in sorted({r[0] for r in rows}):
        e = [r[3] for r in rows if r[0] == gpu and r[3] is not None]
        if len(e) >= 2:
            energy += e[-1] - e[0]
        else:  # no energy counter: integrate the power readings
            p = [(r[1], r[4]) for r in rows if r[0] == gpu and r[4] is not None]
            energy += sum((b[0] - a[0]) * a[1] for a, b in zip(p, p[1:]))
    trial = db.execute("SELECT COUNT(*), TOTAL(energy_j), TOTAL(gpu_seconds) FROM trial_gpu").fetchone()
    status = db.execute("SELECT COUNT(*) FROM trials WHERE status = 'completed'").fetchone()[0]
    best = db.execute("SELECT MAX(json_extract(metrics, '$.val_accuracy')) FROM results").fetchone()[0]
    mean_util = sum(util) / len(util) if util else float("nan")
    print(f"{label:8} {status:>6} {t1 - t0:7.1f} {mean_util:11.1f} {energy / 1000:14.2f} {trial[1] / 1000:15.2f} {trial[2]:7.1f} {best or 0:8.4f}")
PY
say "done; logs and databases in $OUT"
