"""Merges curve tables written in parts (--part I/N) into one, ordered by trial_id.

usage: python3 bench/curves/merge_parts.py OUT.csv PART.csv...
"""
import csv
import sys

rows, header = [], None
for path in sys.argv[2:]:
    with open(path) as f:
        r = csv.reader(f)
        header = next(r)
        rows.extend(r)
rows.sort(key=lambda row: int(row[0]))
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(rows)
print(f"merged {len(rows)} curves into {sys.argv[1]}", file=sys.stderr)
