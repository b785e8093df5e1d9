#!/usr/bin/env python3
"""Tables of bench/README.md (b) from quality JSON lines (files given as arguments).

    quality_table.py FILES...                 the main table (seeds 1..20: lines with first_seed 1)
    quality_table.py --compare A B FILES...   searcher A against B per 20-seed set and pooled over all seeds
"""
import json
import statistics
import sys

ORDER = ["random", "sobol", "tpe", "optuna_tpe", "gp", "cmaes"]


def lines(paths):
    for p in paths:
        for line in open(p):
            if line.startswith("{"):
                yield json.loads(line)


def main_table(paths):
    rows = {}
    for d in lines(paths):
        if d.get("first_seed", 1) == 1:
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


def compare(a, b, paths):
    # (function, searcher) -> {first_seed: per-seed regrets}
    runs = {}
    for d in lines(paths):
        if d["searcher"] in (a, b) and "regrets" in d:
            runs.setdefault((d["function"], d["searcher"]), {})[d.get("first_seed", 1)] = d["regrets"]
    functions = list(dict.fromkeys(f for f, _ in runs))
    sets = sorted({s for (f, x), v in runs.items() if x == a for s in v if s in runs.get((f, b), {})})
    print("| function | " + " | ".join("seeds %d-%d: %s / %s" % (s, s + 19, a, b) for s in sets)
          + " | all %d seeds: mean %s / %s |" % (20 * len(sets), a, b))
    print("| --- |" + " --- |" * (len(sets) + 1))
    wins = [0] * (len(sets) + 1)
    for f in functions:
        ra, rb = runs.get((f, a), {}), runs.get((f, b), {})
        cells = []
        for i, s in enumerate(sets):
            ma, mb = statistics.mean(ra[s]), statistics.mean(rb[s])
            wins[i] += ma <= mb
            cells.append("%.3g / %.3g" % (ma, mb))
        pa = [r for s in sets for r in ra[s]]
        pb = [r for s in sets for r in rb[s]]
        wins[-1] += statistics.mean(pa) <= statistics.mean(pb)
        cells.append("**%.3g** / %.3g" % (statistics.mean(pa), statistics.mean(pb)))
        print("| %s | %s |" % (f, " | ".join(cells)))
    print("| %s no worse | %s |" % (a, " | ".join("%d of %d" % (w, len(functions)) for w in wins)))


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        main_table(sys.argv[1:])
