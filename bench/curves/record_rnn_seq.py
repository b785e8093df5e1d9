"""Records learning curves (validation accuracy per epoch) of small GRU/LSTM/RNN classifiers on a sequence task
made here: a sequence of tokens 0-7 is positive when token 1 occurs more often than token 2 after the first 3 has
appeared (order matters, so the recurrent state must carry it). Wide range of learning rates and optimizers.

usage: nice -n 10 /usr/bin/python3 bench/curves/record_rnn_seq.py OUT.csv [--configs 300] [--epochs 30] [--seed 2]
       [--part I/N]  (several parts in parallel, then: python3 bench/curves/merge_parts.py OUT.csv PART.csv...)
"""
import argparse
import random

import numpy as np
import torch

from curvelib import log_uniform, record, write_table
from torch_train import accuracy_curve

COLUMNS = ["cell", "optimizer", "lr", "hidden", "batch_size", "clip"]
LENGTH, TOKENS = 10, 8


def make_data(n, seed):
    r = np.random.RandomState(seed)
    x = r.randint(0, TOKENS, size=(n, LENGTH))
    y = np.zeros(n, dtype=np.int64)
    for i in range(n):
        seen3, c1, c2 = False, 0, 0
        for t in x[i]:
            seen3 = seen3 or t == 3
            if seen3 and t == 1:
                c1 += 1
            if seen3 and t == 2:
                c2 += 1
        y[i] = int(c1 > c2)
    return torch.tensor(x), torch.tensor(y)


def sample(rng):
    return {
        "cell": rng.choice(["gru", "lstm", "rnn"]),
        "optimizer": rng.choice(["sgd", "adam", "rmsprop"]),
        "lr": log_uniform(rng, 1e-4, 1.0),
        "hidden": rng.choice([8, 16, 32]),
        "batch_size": rng.choice([32, 64, 128]),
        "clip": rng.choice([0.0, 1.0]),
    }


class Net(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = torch.nn.Embedding(TOKENS, 8)
        cell = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[cfg["cell"]]
        self.rnn = cell(8, cfg["hidden"], batch_first=True)
        self.out = torch.nn.Linear(cfg["hidden"], 2)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h[:, -1])


def curve(cfg, data, epochs, seed):
    torch.manual_seed(seed)
    model = Net(cfg)
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=cfg["lr"], momentum=0.9),
           "adam": lambda p: torch.optim.Adam(p, lr=cfg["lr"]),
           "rmsprop": lambda p: torch.optim.RMSprop(p, lr=cfg["lr"])}[cfg["optimizer"]](model.parameters())
    return accuracy_curve(model, opt, data, epochs, cfg["batch_size"], seed, clip=cfg["clip"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--configs", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--part", default="0/1", help="I/N: train only configs i with i %% N == I (merge with merge_parts.py)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    part, parts = (int(v) for v in a.part.split("/"))
    xtr, ytr = make_data(400, 10)
    xva, yva = make_data(400, 11)
    rows = record(random.Random(a.seed), a.configs, sample, curve, (xtr, ytr, xva, yva), a.epochs, a.seed, part, parts)
    write_table(a.out, rows, COLUMNS, a.epochs, first_id=part, id_step=parts)


if __name__ == "__main__":
    main()
