"""Records learning curves (validation accuracy per epoch) of small CNNs and MLPs on scikit-learn's digits data
with PyTorch, over a wide range of learning rates, optimizers and sizes.

usage: nice -n 10 /usr/bin/python3 bench/curves/record_torch_digits.py OUT.csv [--configs 300] [--epochs 30] [--seed 1]
"""
import argparse
import random

import numpy as np
import torch
from sklearn.datasets import load_digits

from curvelib import log_uniform, record, write_table
from torch_train import accuracy_curve

COLUMNS = ["arch", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "width"]


def sample(rng):
    return {
        "arch": rng.choice(["cnn", "mlp"]),
        "optimizer": rng.choice(["sgd", "adam"]),
        "lr": log_uniform(rng, 1e-4, 1.0),
        "momentum": rng.choice([0.0, 0.5, 0.9]),
        "weight_decay": rng.choice([0.0, 1e-4, 1e-3]),
        "batch_size": rng.choice([64, 128, 256]),
        "width": rng.choice([8, 16, 32, 64]),
    }


def model_for(cfg):
    w = cfg["width"]
    if cfg["arch"] == "cnn":
        return torch.nn.Sequential(
            torch.nn.Unflatten(1, (1, 8, 8)),
            torch.nn.Conv2d(1, max(4, w // 4), 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(max(4, w // 4) * 16, w), torch.nn.ReLU(), torch.nn.Linear(w, 10))
    return torch.nn.Sequential(torch.nn.Linear(64, w), torch.nn.ReLU(), torch.nn.Linear(w, 10))


def curve(cfg, data, epochs, seed):
    torch.manual_seed(seed)
    model = model_for(cfg)
    if cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weight_decay"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    return accuracy_curve(model, opt, data, epochs, cfg["batch_size"], seed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--configs", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    r = np.random.RandomState(0)
    perm = r.permutation(len(x))
    x, y = x[perm], d.target[perm]
    n = 1000
    data = (torch.tensor(x[:n]), torch.tensor(y[:n]), torch.tensor(x[n:]), torch.tensor(y[n:]))
    rows = record(random.Random(a.seed), a.configs, sample, curve, data, a.epochs, a.seed)
    write_table(a.out, rows, COLUMNS, a.epochs)


if __name__ == "__main__":
    main()
