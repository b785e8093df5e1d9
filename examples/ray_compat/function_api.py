"""A function trainable with tune.report in a loop, a search space mixing loguniform, choice and uniform,
get_best_trial(...).config, get_best_config, and a scatter of learning rate against accuracy.

Written against Ray Tune's documented API; only the import differs (`from ray import tune`).
Results go to $TUNELAB_RESULTS_DIR (default ~/tunelab_results); the plot to lr_vs_accuracy.png.
"""

import json

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tunelab import tune  # was: from ray import tune


def load_data():
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_val), y_train, y_val


def train_digits(config):
    x_train, x_val, y_train, y_val = load_data()
    model = SGDClassifier(loss=config["loss"], alpha=config["alpha"], learning_rate="constant",
                          eta0=config["lr"], random_state=0)
    classes = np.unique(y_train)
    for epoch in range(config["epochs"]):
        model.partial_fit(x_train, y_train, classes=classes)
        tune.report({"mean_accuracy": model.score(x_val, y_val), "epoch": epoch + 1})


if __name__ == "__main__":
    analysis = tune.run(
        train_digits,
        config={
            "lr": tune.loguniform(1e-4, 1e-1),
            "loss": tune.choice(["hinge", "log_loss", "modified_huber"]),
            "alpha": tune.uniform(1e-5, 1e-3),
            "epochs": 5,
        },
        num_samples=8,
        metric="mean_accuracy",
        mode="max",
    )
    best_trial = analysis.get_best_trial("mean_accuracy", "max", "last")
    print("Best trial config:", json.dumps(best_trial.config))
    print("Best trial final accuracy:", best_trial.last_result["mean_accuracy"])
    print("Best config:", json.dumps(analysis.get_best_config(metric="mean_accuracy", mode="max")))

    df = analysis.dataframe()  # a pandas DataFrame when pandas is installed, else a list of dicts
    rows = df.to_dict("records") if hasattr(df, "to_dict") else df
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
    else:
        fig, ax = plt.subplots()
        ax.scatter([r["config/lr"] for r in rows], [r["mean_accuracy"] for r in rows])
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("validation accuracy")
        fig.savefig("lr_vs_accuracy.png")
        print("Plot: lr_vs_accuracy.png")
