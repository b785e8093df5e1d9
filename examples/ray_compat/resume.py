"""resume="AUTO": run this script, kill it (even with SIGKILL) while trials run, and run it again: the study
continues from its database, and each interrupted trial continues from its last checkpoint.

Written against Ray Tune's documented API; only the import differs (`from ray import tune`).
"""

import os
import pickle
import sys
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tunelab import tune  # was: from ray import tune

EPOCHS = 8


def train_digits(config):
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDClassifier(loss="log_loss", alpha=config["alpha"], learning_rate="constant", eta0=config["lr"],
                          random_state=0)
    start = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as checkpoint_dir:
            with open(os.path.join(checkpoint_dir, "state.pkl"), "rb") as f:
                state = pickle.load(f)
        model, start = state["model"], state["epoch"]
    classes = np.unique(y_train)
    for epoch in range(start, EPOCHS):
        model.partial_fit(x_train, y_train, classes=classes)
        time.sleep(config["sleep_s"])  # a slower model: time to interrupt the run
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "state.pkl"), "wb") as f:
                pickle.dump({"model": model, "epoch": epoch + 1}, f)
            tune.report({"mean_accuracy": model.score(x_val, y_val), "started_at_epoch": start},
                        checkpoint=tune.Checkpoint.from_directory(tmp))


if __name__ == "__main__":
    analysis = tune.run(
        train_digits,
        name="resume_digits",
        resume="AUTO",
        config={"lr": tune.loguniform(1e-4, 1e-1), "alpha": tune.loguniform(1e-6, 1e-2),
                "sleep_s": float(sys.argv[1]) if len(sys.argv) > 1 else 0.5},
        num_samples=6,
        metric="mean_accuracy",
        mode="max",
        verbose=1,
    )
    print("Best config:", analysis.best_config)
    print("Trials:", [(t.trial_id, t.status, t.last_result.get("training_iteration")) for t in analysis.trials])
