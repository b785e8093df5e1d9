"""The class API with checkpoint_at_end: each trial saves its model when it stops, and the best one is loaded back.

Written against Ray Tune's documented API; only the import differs (`from ray import tune`).
"""

import os
import pickle

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


class DigitsTrainable(tune.Trainable):
    def setup(self, config):
        self.x_train, self.x_val, self.y_train, self.y_val = load_data()
        self.model = SGDClassifier(loss="log_loss", alpha=config["alpha"], learning_rate="constant",
                                   eta0=config["lr"], random_state=0)

    def step(self):
        self.model.partial_fit(self.x_train, self.y_train, classes=np.arange(10))
        return {"mean_accuracy": self.model.score(self.x_val, self.y_val)}

    def save_checkpoint(self, checkpoint_dir):
        with open(os.path.join(checkpoint_dir, "model.pkl"), "wb") as f:
            pickle.dump(self.model, f)

    def load_checkpoint(self, checkpoint_dir):
        with open(os.path.join(checkpoint_dir, "model.pkl"), "rb") as f:
            self.model = pickle.load(f)


if __name__ == "__main__":
    analysis = tune.run(
        DigitsTrainable,
        config={"lr": tune.loguniform(1e-4, 1e-1), "alpha": tune.loguniform(1e-6, 1e-2)},
        stop={"training_iteration": 5},
        checkpoint_at_end=True,
        num_samples=4,
        metric="mean_accuracy",
        mode="max",
        name="checkpoint_at_end_digits",
    )
    best_trial = analysis.best_trial
    checkpoint = analysis.get_best_checkpoint(best_trial, metric="mean_accuracy", mode="max")
    with checkpoint.as_directory() as checkpoint_dir:
        with open(os.path.join(checkpoint_dir, "model.pkl"), "rb") as f:
            model = pickle.load(f)
    x_train, x_val, y_train, y_val = load_data()
    print("Best trial:", best_trial, "config:", best_trial.config)
    print("Reported accuracy:", best_trial.last_result["mean_accuracy"])
    print("Accuracy of the checkpointed model:", model.score(x_val, y_val))
    print("Checkpoint:", checkpoint.path)
