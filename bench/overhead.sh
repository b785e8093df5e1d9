#!/bin/sh
# bench/overhead.sh PATH/TO/tunelab [options]: see bench/overhead.py and bench/README.md.
exec python3 "$(dirname "$0")/overhead.py" "$@"
