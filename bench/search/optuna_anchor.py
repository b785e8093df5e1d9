#!/usr/bin/env python3
"""Optuna anchor for the searcher benchmarks (bench/README.md, "Model-based search").

Runs Optuna's TPESampler (and GPSampler, when torch and scipy are installed) on the same test functions
and the same 5-parameter mixed space as build/bench/tunelab_bench_search, printing the same JSON lines.

  python bench/search/optuna_anchor.py time    [--trials 100,1000] [--reps 5]
  python bench/search/optuna_anchor.py quality [--samplers tpe,gp] [--seeds 20] [--evals 100] [--functions ...]

Needs optuna (pip install optuna into a virtualenv, e.g. /work/venvs/optuna); never used by the build or tests.
"""
import argparse
import json
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


def camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def hartmann(x, A, P):
    alpha = [1.0, 1.2, 3.0, 3.2]
    return -sum(alpha[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(len(x)))) for i in range(4))


H3A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]
H6A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
       [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(x) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski_tang(x):
    return sum(v ** 4 - 16 * v * v + 5 * v for v in x) / 2


FUNCTIONS = [
    ("branin", [(-5, 10), (0, 15)], 0.397887, 0.398 - 0.397887, branin),
    ("camel6", [(-3, 3), (-2, 2)], -1.0316284535, 0.01, camel),
    ("hartmann3", [(0, 1)] * 3, -3.86278, 0.01, lambda x: hartmann(x, H3A, H3P)),
    ("hartmann6", [(0, 1)] * 6, -3.32237, 0.1, lambda x: hartmann(x, H6A, H6P)),
    ("rosenbrock5", [(-5, 10)] * 5, 0.0, 10.0, rosenbrock),
    ("ackley5", [(-32.768, 32.768)] * 5, 0.0, 1.0, ackley),
    ("levy5", [(-10, 10)] * 5, 0.0, 0.5, levy),
    ("styblinski_tang5", [(-5, 5)] * 5, -39.16616570377142 * 5, 5.0, styblinski_tang),
]


def sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    raise SystemExit("unknown sampler " + name)


def quality(args):
    only = set(args.functions.split(",")) if args.functions else None
    for name, bounds, fmin, target, f in FUNCTIONS:
        if only and name not in only:
            continue
        for s in args.samplers.split(","):
            regrets, reach, secs = [], [], 0.0
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                study = optuna.create_study(sampler=sampler(s, seed))
                best, k = math.inf, None
                t0 = time.process_time()
                for i in range(args.evals):
                    trial = study.ask()
                    x = [trial.suggest_float("x%d" % d, lo, hi) for d, (lo, hi) in enumerate(bounds)]
                    y = f(x)
                    study.tell(trial, y)
                    best = min(best, y)
                    if k is None and best - fmin <= target:
                        k = i + 1
                secs += time.process_time() - t0
                regrets.append(best - fmin)
                reach.append(k if k is not None else args.evals + 1)
            reach.sort()
            med_reach = reach[len(reach) // 2]
            print(json.dumps({"bench": "quality", "function": name, "searcher": "optuna_" + s, "seeds": args.seeds,
                              "evals": args.evals, "mean_regret": statistics.mean(regrets),
                              "median_regret": sorted(regrets)[len(regrets) // 2], "target_regret": target,
                              "reached": sum(1 for r in reach if r <= args.evals),
                              "median_evals_to_target": med_reach if med_reach <= args.evals else None,
                              "seconds": secs, "first_seed": args.first_seed, "regrets": regrets}), flush=True)


def mixed_objective(p):
    lr = math.log10(p["lr"])
    act = {"gelu": 0.0, "relu": 0.1, "tanh": 0.3}[p["activation"]]
    return ((lr + 3) ** 2 + (p["dropout"] - 0.2) ** 2 + 0.05 * abs(p["layers"] - 4) + act
            + (p["momentum"] - 0.9) ** 2)


def suggest_mixed(trial):
    return {"lr": trial.suggest_float("lr", 1e-5, 1e-1, log=True),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "layers": trial.suggest_int("layers", 1, 8),
            "activation": trial.suggest_categorical("activation", ["relu", "tanh", "gelu"]),
            "momentum": trial.suggest_float("momentum", 0.8, 0.99)}


def timing(args):
    import random
    dists = {"lr": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True),
             "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
             "layers": optuna.distributions.IntDistribution(1, 8),
             "activation": optuna.distributions.CategoricalDistribution(["relu", "tanh", "gelu"]),
             "momentum": optuna.distributions.FloatDistribution(0.8, 0.99)}
    for s in args.samplers.split(","):
        for n in [int(t) for t in args.trials.split(",")]:
            rng = random.Random(n)
            study = optuna.create_study(sampler=sampler(s, 1))
            trials = []
            for _ in range(n):
                p = {"lr": 10 ** rng.uniform(-5, -1), "dropout": rng.uniform(0, 0.5), "layers": rng.randint(1, 8),
                     "activation": rng.choice(["relu", "tanh", "gelu"]), "momentum": rng.uniform(0.8, 0.99)}
                trials.append(optuna.trial.create_trial(params=p, distributions=dists, value=mixed_objective(p)))
            study.add_trials(trials)
            ms = []
            for _ in range(args.reps):
                t0 = time.process_time()
                trial = study.ask()
                p = suggest_mixed(trial)
                ms.append((time.process_time() - t0) * 1000)
                study.tell(trial, mixed_objective(p))
            ms.sort()
            print(json.dumps({"bench": "time_per_suggestion", "searcher": "optuna_" + s, "finished_trials": n,
                              "reps": args.reps, "median_ms": ms[len(ms) // 2], "mean_ms": statistics.mean(ms),
                              "max_ms": ms[-1], "clock": "process_cpu"}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["time", "quality"])
    ap.add_argument("--samplers", default="tpe")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--evals", type=int, default=100)
    ap.add_argument("--functions", default="")
    ap.add_argument("--trials", default="100,1000,10000")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    args = ap.parse_args()
    (timing if args.mode == "time" else quality)(args)


if __name__ == "__main__":
    sys.exit(main())
