"""MedianStoppingRule with the Tuner API: poor trials stop once past the grace period.

Written against Ray Tune's documented API; only the import differs (`from ray import tune`).
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tunelab import tune  # was: from ray import tune
from tunelab.tune.schedulers import MedianStoppingRule  # was: from ray.tune.schedulers import ...


def train_digits(config):
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDClassifier(loss="log_loss", alpha=config["alpha"], learning_rate="constant", eta0=config["lr"],
                          random_state=0)
    classes = np.unique(y_train)
    for _ in range(10):
        model.partial_fit(x_train, y_train, classes=classes)
        tune.report({"mean_accuracy": model.score(x_val, y_val)})


if __name__ == "__main__":
    tuner = tune.Tuner(
        train_digits,
        param_space={"lr": tune.loguniform(1e-6, 1e-1), "alpha": tune.loguniform(1e-6, 1e-2)},
        tune_config=tune.TuneConfig(
            metric="mean_accuracy",
            mode="max",
            num_samples=16,
            scheduler=MedianStoppingRule(time_attr="training_iteration", grace_period=2, min_samples_required=2),
        ),
        run_config=tune.RunConfig(name="median_stopping_digits"),
    )
    results = tuner.fit()
    best = results.get_best_result()
    print("Best config:", best.config, "accuracy:", best.metrics["mean_accuracy"])
    print("Trials:", len(results), "errors:", results.num_errors)
    for result in results:
        print(f"  {result.config}: {len(result.metrics_dataframe)} epochs, accuracy {result.metrics['mean_accuracy']:.3f}")
