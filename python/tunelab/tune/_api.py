"""tune.run and the Tuner API (Tuner, TuneConfig, RunConfig, CheckpointConfig, FailureConfig)."""

from __future__ import annotations

import datetime
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from ._analysis import ExperimentAnalysis, ResultGrid, TuneError
from ._driver import _holds_study, execute
from ._spec import RunOptions, describe_trainable


def _default_name(trainable: Any) -> str:
    name = getattr(getattr(trainable, "inner", trainable), "__name__", "tune")
    return f"{name}_{datetime.datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}"


def _note_ignored(where: str, **values: Any) -> None:
    for key, value in values.items():
        if value:
            print(f"tunelab.tune: note: {where}({key}=...) has no effect in TuneLab", file=sys.stderr)


def run(run_or_experiment: Any, name: Optional[str] = None, metric: Optional[str] = None,
        mode: Optional[str] = None, stop: Any = None, time_budget_s: Optional[float] = None,
        config: Optional[Mapping[str, Any]] = None, resources_per_trial: Optional[Mapping[str, float]] = None,
        num_samples: int = 1, storage_path: Optional[str] = None, storage_filesystem: Any = None,
        search_alg: Any = None, scheduler: Any = None, checkpoint_config: Optional["CheckpointConfig"] = None,
        verbose: int = 3, progress_reporter: Any = None, log_to_file: Any = False,
        trial_name_creator: Any = None, trial_dirname_creator: Any = None, sync_config: Any = None,
        export_formats: Any = None, max_failures: int = 0, fail_fast: Any = False, restore: Optional[str] = None,
        resume: Any = None, resume_config: Any = None, reuse_actors: Optional[bool] = None,
        raise_on_failed_trial: bool = True, callbacks: Optional[List[Any]] = None,
        max_concurrent_trials: Optional[int] = None, keep_checkpoints_num: Optional[int] = None,
        checkpoint_score_attr: Optional[str] = None, checkpoint_freq: int = 0, checkpoint_at_end: bool = False,
        chdir_to_trial_dir: Any = None, local_dir: Optional[str] = None, *, gui: bool = False,
        seed: Optional[int] = None) -> ExperimentAnalysis:
    """Run a study on TuneLab's engine with Ray Tune's ``tune.run`` arguments; returns an ExperimentAnalysis.

    TuneLab additions: ``gui=True`` opens the workbench on the running study; ``seed`` fixes the engine's draws.
    """
    if restore is not None:
        raise ValueError("tune.run(restore=...): TuneLab resumes whole studies: pass name= and resume='AUTO'")
    _note_ignored("tune.run", callbacks=callbacks, progress_reporter=progress_reporter, fail_fast=fail_fast,
                  trial_name_creator=trial_name_creator, trial_dirname_creator=trial_dirname_creator)
    if checkpoint_config is not None:
        keep_checkpoints_num = keep_checkpoints_num or checkpoint_config.num_to_keep
        checkpoint_freq = checkpoint_freq or checkpoint_config.checkpoint_frequency
        checkpoint_at_end = checkpoint_at_end or bool(checkpoint_config.checkpoint_at_end)
    describe_trainable(run_or_experiment)  # the clear error before anything else happens
    options = RunOptions(
        trainable=run_or_experiment, config=config, name=name or _default_name(run_or_experiment),
        num_samples=num_samples, scheduler=scheduler, search_alg=search_alg, metric=metric, mode=mode, stop=stop,
        time_budget_s=time_budget_s, resources=resources_per_trial, max_concurrent=max_concurrent_trials,
        max_failures=max_failures, checkpoint_frequency=checkpoint_freq, checkpoint_at_end=checkpoint_at_end,
        num_to_keep=keep_checkpoints_num, seed=seed, fail_fast=fail_fast)
    return execute(options, storage_path=storage_path or local_dir, resume=resume, verbose=verbose, gui=gui,
                   raise_on_failed_trial=raise_on_failed_trial)


@dataclass
class CheckpointConfig:
    num_to_keep: Optional[int] = None
    checkpoint_score_attribute: Optional[str] = None
    checkpoint_score_order: str = "max"
    checkpoint_frequency: int = 0
    checkpoint_at_end: Optional[bool] = None


@dataclass
class FailureConfig:
    max_failures: int = 0
    fail_fast: Any = False


@dataclass
class TuneConfig:
    metric: Optional[str] = None
    mode: Optional[str] = None
    search_alg: Any = None
    scheduler: Any = None
    num_samples: int = 1
    max_concurrent_trials: Optional[int] = None
    time_budget_s: Optional[float] = None
    reuse_actors: Any = None
    trial_name_creator: Any = None
    trial_dirname_creator: Any = None
    chdir_to_trial_dir: Any = None
    seed: Optional[int] = None  # TuneLab: the study seed


@dataclass
class RunConfig:
    name: Optional[str] = None
    storage_path: Optional[str] = None
    storage_filesystem: Any = None
    failure_config: Optional[FailureConfig] = None
    checkpoint_config: Optional[CheckpointConfig] = None
    sync_config: Any = None
    verbose: Optional[int] = None
    stop: Any = None
    callbacks: Optional[List[Any]] = None
    progress_reporter: Any = None
    log_to_file: Any = False
    local_dir: Optional[str] = None
    gui: bool = False  # TuneLab: open the workbench on the running study


class Tuner:
    """``Tuner(trainable, param_space=..., tune_config=TuneConfig(...), run_config=RunConfig(...)).fit()``."""

    def __init__(self, trainable: Any = None, *, param_space: Optional[Dict[str, Any]] = None,
                 tune_config: Optional[TuneConfig] = None, run_config: Optional[RunConfig] = None,
                 _resume: Any = None):
        # Ray's checks and messages first.
        if not trainable:
            raise TuneError("You need to provide a trainable to tune.")
        if not isinstance(param_space, dict) and param_space is not None:
            raise ValueError(f"The `param_space` passed to the `Tuner` must be a dict. Got '{type(param_space)}' "
                             "instead.")
        describe_trainable(trainable)
        self.trainable = trainable
        self.param_space = param_space
        self.tune_config = tune_config or TuneConfig()
        self.run_config = run_config or RunConfig()
        self._resume = _resume
        self._analysis: Optional[ExperimentAnalysis] = None

    @classmethod
    def restore(cls, path: str, trainable: Any, param_space: Optional[Dict[str, Any]] = None,
                resume_unfinished: bool = True, resume_errored: bool = False, restart_errored: bool = False,
                tune_config: Optional[TuneConfig] = None, run_config: Optional[RunConfig] = None,
                **kwargs: Any) -> "Tuner":
        """Continue the study in ``path`` (the experiment folder) with ``fit()``."""
        path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        if not cls.can_restore(path):
            raise ValueError(f"Tuner.restore(): no TuneLab study in {path}")
        run_config = run_config or RunConfig()
        run_config.name = os.path.basename(path)
        run_config.storage_path = os.path.dirname(path)
        return cls(trainable, param_space=param_space, tune_config=tune_config, run_config=run_config,
                   _resume=True)

    @classmethod
    def can_restore(cls, path: str, storage_filesystem: Any = None) -> bool:
        return _holds_study(os.path.join(os.path.abspath(os.fspath(path)), "study.db"))

    def fit(self) -> ResultGrid:
        tc, rc = self.tune_config, self.run_config
        _note_ignored("RunConfig", callbacks=rc.callbacks, progress_reporter=rc.progress_reporter)
        ckpt = rc.checkpoint_config or CheckpointConfig()
        failure = rc.failure_config or FailureConfig()
        options = RunOptions(
            trainable=self.trainable, config=self.param_space, name=rc.name or _default_name(self.trainable),
            num_samples=tc.num_samples, scheduler=tc.scheduler, search_alg=tc.search_alg, metric=tc.metric,
            mode=tc.mode, stop=rc.stop, time_budget_s=tc.time_budget_s, max_concurrent=tc.max_concurrent_trials,
            max_failures=failure.max_failures, checkpoint_frequency=ckpt.checkpoint_frequency,
            checkpoint_at_end=ckpt.checkpoint_at_end, num_to_keep=ckpt.num_to_keep, seed=tc.seed,
            entrypoint="Tuner(...)", search_space_arg="param_space", fail_fast=failure.fail_fast)
        verbose = 1 if rc.verbose is None else rc.verbose
        self._analysis = execute(options, storage_path=rc.storage_path or rc.local_dir, resume=self._resume,
                                 verbose=verbose, gui=rc.gui, raise_on_failed_trial=False)
        return ResultGrid(self._analysis)

    def get_results(self) -> ResultGrid:
        if self._analysis is None:
            raise RuntimeError("Can't return results as experiment has not been run, yet. Call `Tuner.fit()` to run "
                               "the experiment first.")
        return ResultGrid(self._analysis)
