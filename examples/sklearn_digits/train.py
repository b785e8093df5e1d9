"""Tune an SGDClassifier on scikit-learn's bundled digits, one epoch per report.

Config keys (all optional): alpha (1e-4), eta0 (0.01), learning_rate ("optimal"; or "constant", "invscaling",
"adaptive"), loss ("hinge"; or "log_loss", "modified_huber"), penalty ("l2"), epochs (15).

Each epoch: one pass of ``partial_fit`` over the training split in an order fixed by the epoch number, a pickled
checkpoint, and a report of val_accuracy and train_accuracy with training_iteration = epoch. A restarted trial
continues at the epoch after its checkpoint and produces the same numbers as an uninterrupted run.
Runs by hand too: ``python3 train.py`` prints the reports to stdout and checkpoints into the current directory.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

try:
    import tunelab
except ImportError:  # not installed: use the client from this repository
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import tunelab

MODEL_FILE = "model.pkl"


def load_data():
    """The fixed split: 80 % train, 20 % validation (random_state=0), standardised on the training part."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state=0)
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_val), y_train, y_val


def make_model(config: dict) -> SGDClassifier:
    return SGDClassifier(
        loss=config.get("loss", "hinge"),
        penalty=config.get("penalty", "l2"),
        alpha=float(config.get("alpha", 1e-4)),
        learning_rate=config.get("learning_rate", "optimal"),
        eta0=float(config.get("eta0", 0.01)),
        shuffle=False,  # we shuffle per epoch ourselves, so a resumed run sees the same order
        random_state=0,
    )


def main() -> int:
    config = tunelab.get_config()
    epochs = int(config.get("epochs", 15))
    x_train, x_val, y_train, y_val = load_data()
    classes = np.arange(10)

    restore = tunelab.restore_path()
    if restore is not None:
        with open(restore / MODEL_FILE, "rb") as f:
            state = pickle.load(f)
        model, start = state["model"], state["epoch"] + 1
        print(f"resuming from {restore} after epoch {state['epoch']}", file=sys.stderr)
    else:
        model, start = make_model(config), 1

    for epoch in range(start, epochs + 1):
        order = np.random.default_rng(epoch).permutation(len(y_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        state = {"epoch": epoch, "model": model}
        path = tunelab.save_checkpoint(lambda d: (d / MODEL_FILE).write_bytes(pickle.dumps(state)))
        tunelab.report(
            val_accuracy=model.score(x_val, y_val),
            train_accuracy=model.score(x_train, y_train),
            training_iteration=epoch,
            checkpoint=path,
            done=epoch == epochs,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
