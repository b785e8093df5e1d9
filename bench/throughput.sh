#!/bin/sh
# bench/throughput.sh PATH/TO/tunelab [options]: see bench/throughput.py and bench/README.md.
exec python3 "$(dirname "$0")/throughput.py" "$@"
