"""Records learning curves (validation accuracy after each partial_fit epoch) of scikit-learn's SGDClassifier and
MLPClassifier on a data set that Debian's scikit-learn ships (digits by default; breast_cancer, wine), over a
wide range of learning rates.

usage: nice -n 10 /usr/bin/python3 bench/curves/record_sklearn.py OUT.csv [--data digits] [--configs 300] [--epochs 30]
"""
import argparse
import random
import warnings

import numpy as np
from sklearn import datasets
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from curvelib import log_uniform, record, write_table

COLUMNS = ["model", "lr", "alpha", "loss", "hidden", "batch_size"]


def sample(rng):
    return {
        "model": rng.choice(["sgd", "mlp"]),
        "lr": log_uniform(rng, 1e-5, 1.0),
        "alpha": log_uniform(rng, 1e-6, 1e-1),
        "loss": rng.choice(["hinge", "log_loss", "modified_huber"]),
        "hidden": rng.choice([8, 16, 32, 64]),
        "batch_size": rng.choice([32, 64, 128]),
    }


def curve(cfg, data, epochs, seed):
    xtr, ytr, xva, yva = data
    classes = np.unique(ytr)
    if cfg["model"] == "sgd":
        m = SGDClassifier(loss=cfg["loss"], alpha=cfg["alpha"], learning_rate="constant", eta0=cfg["lr"], random_state=seed)
    else:
        m = MLPClassifier(hidden_layer_sizes=(cfg["hidden"],), alpha=cfg["alpha"], learning_rate_init=cfg["lr"],
                          batch_size=cfg["batch_size"], solver="adam" if cfg["loss"] != "hinge" else "sgd",
                          random_state=seed)
    r = np.random.RandomState(seed)
    out = []
    for _ in range(epochs):
        perm = r.permutation(len(xtr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if cfg["model"] == "sgd":
                m.partial_fit(xtr[perm], ytr[perm], classes=classes)
            else:
                for i in range(0, len(xtr), cfg["batch_size"]):
                    idx = perm[i:i + cfg["batch_size"]]
                    m.partial_fit(xtr[idx], ytr[idx], classes=classes)
        try:
            acc = float((m.predict(xva) == yva).mean())
        except ValueError:  # diverged to NaN weights
            acc = float("nan")
        out.append(acc if np.isfinite(acc) else 0.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data", default="digits", choices=["digits", "breast_cancer", "wine"])
    ap.add_argument("--configs", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    d = getattr(datasets, "load_" + a.data)()
    r = np.random.RandomState(0)
    perm = r.permutation(len(d.data))
    x, y = d.data[perm].astype(np.float64), d.target[perm]
    n = int(len(x) * 0.6)
    sc = StandardScaler().fit(x[:n])
    data = (sc.transform(x[:n]), y[:n], sc.transform(x[n:]), y[n:])
    with np.errstate(all="ignore"):
        rows = record(random.Random(a.seed), a.configs, sample, curve, data, a.epochs, a.seed)
    write_table(a.out, rows, COLUMNS, a.epochs)


if __name__ == "__main__":
    main()
