#!/bin/sh
# bench/compare.sh PATH/TO/tunelab: TuneLab's benchmarks, then the Ray Tune anchor on the same machine
# (the anchor runs only with RAY_PYTHON set; see bench/README.md). Figures go to stdout, details to stderr.
set -e
if [ $# -lt 1 ]; then
  echo "usage: $0 PATH/TO/tunelab" >&2
  exit 2
fi
here=$(dirname "$0")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, $("$1" --version)"
python3 "$here/overhead.py" "$1"
python3 "$here/throughput.py" "$1"
python3 "$here/ray_overhead.py"
