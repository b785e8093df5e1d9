"""Records learning curves (validation accuracy per epoch) of small GRU/LSTM/RNN classifiers on a sequence task
made here: a sequence of tokens 0-7 is positive when token 1 occurs more often than token 2 after the first 3 has
appeared (order matters, so the recurrent state must carry it). Wide range of learning rates and optimizers.

usage: nice -n 10 /usr/bin/python3 bench/curves/record_rnn_seq.py OUT.csv [--configs 300] [--epochs 30] [--seed 2]
       [--part I/N]  (several parts in parallel, then: python3 bench/curves/merge_parts.py OUT.csv PART.csv...)
"""
import argparse
import random
import sys

import numpy as np
import torch

from curvelib import fmt_cfg, log_uniform, write_table

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
    xtr, ytr, xva, yva = data
    model = Net(cfg)
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr=cfg["lr"], momentum=0.9),
           "adam": lambda p: torch.optim.Adam(p, lr=cfg["lr"]),
           "rmsprop": lambda p: torch.optim.RMSprop(p, lr=cfg["lr"])}[cfg["optimizer"]](model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), cfg["batch_size"]):
            idx = perm[i:i + cfg["batch_size"]]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            if torch.isfinite(loss):
                loss.backward()
                if cfg["clip"] > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
                opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xva).argmax(1) == yva).float().mean().item()
        out.append(acc)
    return out


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
    rng = random.Random(a.seed)
    rows = []
    for i in range(a.configs):
        cfg = sample(rng)
        if i % parts != part:
            continue
        rows.append((fmt_cfg(cfg), curve(cfg, (xtr, ytr, xva, yva), a.epochs, a.seed * 100000 + i)))
        if i % 25 == 0:
            print(f"# {i}: {fmt_cfg(cfg)} -> {rows[-1][1][-1]:.4f}", file=sys.stderr, flush=True)
    write_table(a.out, rows, COLUMNS, a.epochs, first_id=part, id_step=parts)


if __name__ == "__main__":
    main()
