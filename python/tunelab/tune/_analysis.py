"""Results of tune.run (ExperimentAnalysis) and Tuner.fit (ResultGrid), read from the study's SQLite store.

The store is read with the standard library's sqlite3 module, read-only (docs/storage.md). Data frames are pandas
DataFrames when pandas can be imported, else lists of dicts (one per row) with the same columns.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from typing import Any, Dict, Iterator, List, Optional

from ._session import Checkpoint
from ._worker import EMPTY_KEY

_STATUS = {"completed": "TERMINATED", "stopped": "TERMINATED", "error": "ERROR", "pending": "PENDING",
           "running": "RUNNING", "paused": "PAUSED"}
_SCOPES = ("last", "avg", "last-5-avg", "last-10-avg", "all")


class TuneError(Exception):
    """Raised by tune.run when trials failed (raise_on_failed_trial), and for an engine that could not run."""


def _frame(rows: List[Dict[str, Any]]) -> Any:
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


def _flatten(data: Dict[str, Any], prefix: str = "", out: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    out = {} if out is None else out
    for key, value in data.items():
        if isinstance(value, dict) and value:
            _flatten(value, f"{prefix}{key}/", out)
        else:
            out[prefix + key] = value
    return out


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class Trial:
    """One trial as Ray's analysis shows it: ``trial_id``, ``config``, ``last_result``, ``status``, ``path``..."""

    def __init__(self, experiment: str, row: sqlite3.Row, results: List[Dict[str, Any]]):
        self.id = int(row["id"])
        self.trial_id = f"{self.id:05d}"
        self.experiment_name = experiment
        config = json.loads(row["config"] or "{}")
        config.pop(EMPTY_KEY, None)
        self.config: Dict[str, Any] = config
        self.tunelab_status: str = row["status"]
        self.status: str = _STATUS.get(row["status"], row["status"].upper())
        self.path: str = row["trial_dir"]
        self.local_path = self.logdir = self.path
        self.error_msg: Optional[str] = row["error"] or None
        self.error_file: Optional[str] = os.path.join(self.path, "stderr.log") if self.error_msg else None
        self.results = results
        self.checkpoint: Optional[Checkpoint] = Checkpoint(row["checkpoint"]) if row["checkpoint"] else None
        self.last_result: Dict[str, Any] = dict(results[-1]) if results else {}
        self.last_result.update({"config": self.config, "trial_id": self.trial_id,
                                 "done": self.status == "TERMINATED"})
        self.metric_analysis: Dict[str, Dict[str, float]] = {}
        series: Dict[str, List[float]] = {}
        for result in results:
            for key, value in result.items():
                number = _number(value)
                if number is not None:
                    series.setdefault(key, []).append(number)
        for key, values in series.items():
            self.metric_analysis[key] = {
                "max": max(values), "min": min(values), "avg": sum(values) / len(values), "last": values[-1],
                "last-5-avg": sum(values[-5:]) / len(values[-5:]), "last-10-avg": sum(values[-10:]) / len(values[-10:])}

    def value(self, metric: str, mode: str, scope: str, filter_nan_and_inf: bool = True) -> Optional[float]:
        values = [_number(r.get(metric)) for r in self.results]
        values = [v for v in values if v is not None]
        if filter_nan_and_inf:
            values = [v for v in values if math.isfinite(v)]
        if not values:
            return None
        if scope == "last":
            return values[-1]
        if scope == "all":
            return max(values) if mode == "max" else min(values)
        window = values if scope == "avg" else values[-(5 if scope == "last-5-avg" else 10):]
        return sum(window) / len(window)

    def __str__(self) -> str:
        return f"{self.experiment_name}_{self.trial_id}"

    __repr__ = __str__


class ExperimentAnalysis:
    """What ``tune.run`` returns. ``experiment_checkpoint_path`` may be the study database or its folder."""

    def __init__(self, experiment_checkpoint_path: str, default_metric: Optional[str] = None,
                 default_mode: Optional[str] = None, trials: Any = None):
        path = os.path.abspath(os.fspath(experiment_checkpoint_path))
        self.db_path = os.path.join(path, "study.db") if os.path.isdir(path) else path
        if not os.path.exists(self.db_path):
            raise ValueError(f"no TuneLab study database at {self.db_path}")
        self.experiment_path = os.path.dirname(self.db_path)
        self.default_metric = default_metric
        self.default_mode = default_mode
        self._load()

    def _load(self) -> None:
        uri = "file:" + self.db_path + "?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            study = con.execute("SELECT name, spec, status FROM study WHERE id = 1").fetchone()
            self.experiment_name = study["name"] if study else "tune"
            self.study_status = study["status"] if study else ""
            self.spec = json.loads(study["spec"]) if study else {}
            results: Dict[int, List[Dict[str, Any]]] = {}
            for row in con.execute("SELECT trial_id, iteration, time_total_s, ts, metrics FROM results "
                                   "ORDER BY trial_id, iteration"):
                metrics = json.loads(row["metrics"])
                metrics.setdefault("training_iteration", row["iteration"])
                metrics.setdefault("time_total_s", row["time_total_s"])
                metrics["timestamp"] = row["ts"]
                results.setdefault(row["trial_id"], []).append(metrics)
            self.trials: List[Trial] = [
                Trial(self.experiment_name, row, results.get(row["id"], []))
                for row in con.execute("SELECT * FROM trials ORDER BY id")]
            self._checkpoints: Dict[int, List[Any]] = {}
            for row in con.execute("SELECT trial_id, iteration, path FROM checkpoints ORDER BY id"):
                self._checkpoints.setdefault(row["trial_id"], []).append((row["iteration"], row["path"]))
        finally:
            con.close()

    # -- best ------------------------------------------------------------------------------------------------
    def _validate(self, metric: Optional[str], mode: Optional[str], scope: str = "last",
                  what: str = "get_best_trial") -> tuple:
        metric = metric or self.default_metric
        mode = mode or self.default_mode
        if not metric or not mode:
            raise ValueError(f"No `metric` or `mode` given to {what}() and none passed to `tune.run()`: pass "
                             "metric= and mode= to one of them")
        if mode not in ("min", "max"):
            raise ValueError(f"If set, `mode` has to be one of [min, max], got {mode!r}")
        if scope not in _SCOPES:
            raise ValueError(f"ExperimentAnalysis: attempting to get best trial for metric {metric} for scope "
                             f"{scope} not in {list(_SCOPES)}. If set, `scope` has to be one of {list(_SCOPES)}")
        return metric, mode

    def get_best_trial(self, metric: Optional[str] = None, mode: Optional[str] = None, scope: str = "last",
                       filter_nan_and_inf: bool = True) -> Optional[Trial]:
        """The trial whose ``metric`` (over ``scope``) is best; ``None`` (as Ray) when no trial reported it."""
        metric, mode = self._validate(metric, mode, scope)
        best, best_value = None, None
        for trial in self.trials:
            value = trial.value(metric, mode, scope, filter_nan_and_inf)
            if value is None:
                continue
            if best_value is None or (value > best_value if mode == "max" else value < best_value):
                best, best_value = trial, value
        if best is None:
            reported = sorted({k for t in self.trials for r in t.results for k in r})
            print(f"tunelab.tune: no trial reported the metric {metric!r} (reported: {reported}); "
                  "get_best_trial returns None")
        return best

    def get_best_config(self, metric: Optional[str] = None, mode: Optional[str] = None,
                        scope: str = "last") -> Optional[Dict[str, Any]]:
        trial = self.get_best_trial(metric, mode, scope)
        return trial.config if trial else None

    def get_best_logdir(self, metric: Optional[str] = None, mode: Optional[str] = None,
                        scope: str = "last") -> Optional[str]:
        trial = self.get_best_trial(metric, mode, scope)
        return trial.path if trial else None

    def get_trial_checkpoints_paths(self, trial: Trial, metric: Optional[str] = None) -> List[tuple]:
        """(path, value of ``metric`` at that checkpoint's iteration) for the trial's checkpoints still on disk."""
        metric = metric or self.default_metric or "training_iteration"
        by_iteration = {r.get("training_iteration"): r for r in trial.results}
        return [(path, by_iteration.get(iteration, {}).get(metric))
                for iteration, path in self._checkpoints.get(trial.id, []) if os.path.exists(path)]

    def get_best_checkpoint(self, trial: Trial, metric: Optional[str] = None,
                            mode: Optional[str] = None) -> Optional[Checkpoint]:
        metric, mode = self._validate(metric, mode, what="get_best_checkpoint")
        candidates = [(p, v) for p, v in self.get_trial_checkpoints_paths(trial, metric)
                      if _number(v) is not None and math.isfinite(v)]
        if not candidates:
            return None
        path, _ = (max if mode == "max" else min)(candidates, key=lambda pv: pv[1])
        return Checkpoint(path)

    def get_last_checkpoint(self, trial: Optional[Trial] = None, metric: str = "training_iteration",
                            mode: str = "max") -> Optional[Checkpoint]:
        trial = trial or self.best_trial
        return self.get_best_checkpoint(trial, metric, mode) if trial else None

    def get_best_result(self, metric: Optional[str] = None, mode: Optional[str] = None,
                        scope: str = "last") -> Optional[Dict[str, Any]]:
        """The best trial's last result (the same method as ResultGrid's, returning the result dict)."""
        trial = self.get_best_trial(metric, mode, scope)
        return trial.last_result if trial else None

    def get_dataframe(self, filter_metric: Optional[str] = None, filter_mode: Optional[str] = None) -> Any:
        return self.dataframe(filter_metric, filter_mode)

    @property
    def best_trial(self) -> Optional[Trial]:
        self._validate(None, None, what="best_trial")
        return self.get_best_trial()

    @property
    def best_config(self) -> Optional[Dict[str, Any]]:
        self._validate(None, None, what="best_config")
        return self.get_best_config()

    @property
    def best_result(self) -> Optional[Dict[str, Any]]:
        trial = self.best_trial
        return trial.last_result if trial else None

    @property
    def best_checkpoint(self) -> Optional[Checkpoint]:
        trial = self.best_trial
        return self.get_best_checkpoint(trial) if trial else None

    @property
    def best_logdir(self) -> Optional[str]:
        trial = self.best_trial
        return trial.path if trial else None

    @property
    def best_result_df(self) -> Any:
        trial = self.best_trial
        return _frame([self._row(trial, trial.last_result)] if trial else [])

    # -- tables ----------------------------------------------------------------------------------------------
    def _row(self, trial: Trial, result: Dict[str, Any]) -> Dict[str, Any]:
        row = _flatten({k: v for k, v in result.items() if k not in ("config",)})
        row.update(_flatten(trial.config, "config/"))
        row["trial_id"] = trial.trial_id
        row["logdir"] = trial.path
        row["status"] = trial.status
        return row

    @property
    def results(self) -> Dict[str, Dict[str, Any]]:
        return {t.trial_id: t.last_result for t in self.trials}

    @property
    def results_df(self) -> Any:
        return _frame([self._row(t, t.last_result) for t in self.trials])

    def dataframe(self, metric: Optional[str] = None, mode: Optional[str] = None) -> Any:
        """One row per trial: its last result, or, given ``metric`` and ``mode``, its best one."""
        rows = []
        for trial in self.trials:
            result = trial.last_result
            if metric and mode and trial.results:
                scored = [r for r in trial.results if _number(r.get(metric)) is not None]
                if scored:
                    result = (max if mode == "max" else min)(scored, key=lambda r: r[metric])
            rows.append(self._row(trial, result))
        return _frame(rows)

    @property
    def trial_dataframes(self) -> Dict[str, Any]:
        """Every result of every trial: trial folder -> data frame (one row per report)."""
        return {t.path: _frame([_flatten(r) for r in t.results]) for t in self.trials}

    def fetch_trial_dataframes(self) -> Dict[str, Any]:
        return self.trial_dataframes

    def get_all_configs(self, prefix: bool = False) -> Dict[str, Dict[str, Any]]:
        return {t.path: ({"config/" + k: v for k, v in t.config.items()} if prefix else t.config)
                for t in self.trials}

    @property
    def errors(self) -> Dict[str, str]:
        """trial_id -> error text (the reason and the tail of the trial's stderr) for trials that failed."""
        return {t.trial_id: t.error_msg for t in self.trials if t.status == "ERROR" and t.error_msg}

    def stats(self) -> Dict[str, Any]:
        return {"name": self.experiment_name, "status": self.study_status, "trials": len(self.trials)}


class Result:
    """One trial's outcome in a ResultGrid: ``metrics``, ``config``, ``checkpoint``, ``error``, ``path``."""

    def __init__(self, analysis: ExperimentAnalysis, trial: Trial):
        self._analysis = analysis
        self._trial = trial
        self.metrics: Dict[str, Any] = dict(trial.last_result)
        self.config = trial.config
        self.checkpoint = trial.checkpoint
        self.path = trial.path
        self.error: Optional[TuneError] = TuneError(trial.error_msg or "the trial failed") \
            if trial.status == "ERROR" else None

    @property
    def metrics_dataframe(self) -> Any:
        return _frame([_flatten(r) for r in self._trial.results])

    @property
    def best_checkpoints(self) -> List[tuple]:
        by_iteration = {r.get("training_iteration"): r for r in self._trial.results}
        return [(Checkpoint(path), by_iteration.get(iteration, {}))
                for iteration, path in self._analysis._checkpoints.get(self._trial.id, [])
                if os.path.exists(path)]

    def get_best_checkpoint(self, metric: str, mode: str) -> Optional[Checkpoint]:
        return self._analysis.get_best_checkpoint(self._trial, metric, mode)

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.metrics.items() if k != "config"}
        return f"Result(metrics={shown}, path={self.path!r}, error={bool(self.error)})"


class ResultGrid:
    """What ``Tuner.fit`` returns: one Result per trial, in trial order."""

    def __init__(self, analysis: ExperimentAnalysis):
        self._analysis = analysis
        self._results = [Result(analysis, t) for t in analysis.trials]

    @property
    def experiment_path(self) -> str:
        return self._analysis.experiment_path

    def __len__(self) -> int:
        return len(self._results)

    def __getitem__(self, i: int) -> Result:
        return self._results[i]

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    def get_best_result(self, metric: Optional[str] = None, mode: Optional[str] = None, scope: str = "last",
                        filter_nan_and_inf: bool = True) -> Result:
        metric, mode = self._analysis._validate(metric, mode, scope, what="get_best_result")
        trial = self._analysis.get_best_trial(metric, mode, scope, filter_nan_and_inf)
        if trial is None:
            raise RuntimeError(f"No best trial found for the given metric: {metric}. This means that no trial has "
                               "reported this metric, or all values reported for this metric are NaN.")
        return self._results[self._analysis.trials.index(trial)]

    def get_dataframe(self, filter_metric: Optional[str] = None, filter_mode: Optional[str] = None) -> Any:
        return self._analysis.dataframe(filter_metric, filter_mode)

    # The analysis' methods, so that both objects offer the same (as the two Ray objects nearly do).
    def get_best_trial(self, *args: Any, **kwargs: Any) -> Optional[Trial]:
        return self._analysis.get_best_trial(*args, **kwargs)

    def get_best_config(self, *args: Any, **kwargs: Any) -> Optional[Dict[str, Any]]:
        return self._analysis.get_best_config(*args, **kwargs)

    @property
    def best_config(self) -> Optional[Dict[str, Any]]:
        return self._analysis.best_config

    @property
    def best_result(self) -> Optional[Dict[str, Any]]:
        return self._analysis.best_result

    def dataframe(self, metric: Optional[str] = None, mode: Optional[str] = None) -> Any:
        return self._analysis.dataframe(metric, mode)

    @property
    def trial_dataframes(self) -> Dict[str, Any]:
        return self._analysis.trial_dataframes

    @property
    def errors(self) -> List[TuneError]:
        return [r.error for r in self._results if r.error is not None]

    @property
    def num_errors(self) -> int:
        return len(self.errors)

    @property
    def num_terminated(self) -> int:
        return sum(1 for t in self._analysis.trials if t.status == "TERMINATED")

    def __repr__(self) -> str:
        return f"ResultGrid<{len(self)} results, {self.num_errors} errors>"
