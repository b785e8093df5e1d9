#!/usr/bin/env python3
"""Prints the markdown table of bench/README.md (b) from quality JSON lines (files given as arguments)."""
import json
import sys

ORDER = ["random", "sobol", "tpe", "optuna_tpe", "gp", "cmaes"]


def main(paths):
    rows = {}
    for p in paths:
        for line in open(p):
            if line.startswith("{"):
                d = json.loads(line)
                rows.setdefault(d["function"], {})[d["searcher"]] = d
    print("| function | " + " | ".join(ORDER) + " |")
    print("| --- |" + " --- |" * len(ORDER))
    for f, r in rows.items():
        cells = []
        for s in ORDER:
            d = r.get(s)
            if not d:
                cells.append("n/a")
                continue
            e = d["median_evals_to_target"]
            reach = "%s (%d/%d)" % (e if e else "-", d["reached"], d["seeds"])
            cells.append("%.3g / %.3g / %s" % (d["mean_regret"], d["median_regret"], reach))
        print("| %s | %s |" % (f, " | ".join(cells)))


if __name__ == "__main__":
    main(sys.argv[1:])
