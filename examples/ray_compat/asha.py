"""AsyncHyperBandScheduler (ASHA) with resources_per_trial: two trials share each CPU core.

Written against Ray Tune's documented API; only the imports differ. With a GPU, pass --gpu to ask for half a GPU
per trial ({"cpu": 1, "gpu": 0.5}, as in Ray's examples).
"""

import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tunelab import tune  # was: from ray import tune
from tunelab.tune.schedulers import AsyncHyperBandScheduler  # was: from ray.tune.schedulers import ...


def train_digits(config):
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDClassifier(loss=config["loss"], alpha=config["alpha"], learning_rate="constant", eta0=config["lr"],
                          random_state=0)
    classes = np.unique(y_train)
    for _ in range(9):
        model.partial_fit(x_train, y_train, classes=classes)
        tune.report({"mean_accuracy": model.score(x_val, y_val)})


if __name__ == "__main__":
    resources = {"cpu": 1, "gpu": 0.5} if "--gpu" in sys.argv else {"cpu": 0.5}
    asha = AsyncHyperBandScheduler(time_attr="training_iteration", max_t=9, grace_period=1, reduction_factor=3)
    analysis = tune.run(
        train_digits,
        config={"lr": tune.loguniform(1e-6, 1e-1), "alpha": tune.loguniform(1e-6, 1e-2),
                "loss": tune.choice(["hinge", "log_loss"])},
        num_samples=10,
        scheduler=asha,
        metric="mean_accuracy",
        mode="max",
        resources_per_trial=resources,
        name="asha_digits",
        verbose=1,
    )
    iterations = [t.last_result.get("training_iteration", 0) for t in analysis.trials]
    print("Epochs per trial:", iterations, "(of 9)")
    print("Best config:", analysis.best_config)
    print("Best accuracy:", analysis.best_result["mean_accuracy"])
