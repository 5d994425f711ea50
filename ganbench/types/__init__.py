"""The plugin contract's types: the records plugins return, and the behaviour each kind of component implements.

Discovery hooks (see ganbench.hookspecs) return *records*: small dataclasses that carry a
normalised ``name``, a one-line ``description`` and whatever the harness needs to build
the component for one trial. The registry stamps every record with the plugin, the
distribution and the version that provided it, so a table can always say who measured what.

Behaviour is plain Python, not hooks:

* a model builds a generator ``G: z -> x`` and a :class:`Critic` ``D: x -> raw scores``;
* a loss is two functions of the critic's raw scores;
* a :class:`Stabiliser` overrides the methods it needs, called at fixed points of the step;
* a :class:`Dataset` holds its samples in [-1, 1] and knows its classes or modes; a
  :class:`StreamedDataset` reads them from storage as they are needed;
* a :class:`Metric` turns a sampler into :class:`Measurement` s;
* an :class:`Executor` runs a list of trials and streams their :class:`TrialResult` s back;
* a :class:`TrialLogger` follows one trial where researchers look (TensorBoard, MLflow, W&B).

Plugins extend the command line with :class:`RunOptions` (options of `ganbench run`) and
:class:`Commands` (commands of their own, each given a :class:`CommandContext`).

Import everything from here (``from ganbench.types import LossSpec``); the submodules, one per
kind of component, are how the code is kept, not part of the contract.
"""

from ganbench.types.commands import CommandContext, CommandHandler, Commands
from ganbench.types.data import DataOptions, Dataset, DatasetSpec, DataShape, DataUnavailable
from ganbench.types.execution import (
    INTERRUPTED_REASON,
    STATUSES,
    CheckpointPicture,
    CheckpointValue,
    Executor,
    ExecutorSpec,
    Interrupted,
    Scalar,
    TrialResult,
    Usage,
    interrupted_result,
)
from ganbench.types.loggers import LogContext, LoggerSpec, TrialLogger, flat_params, trial_name
from ganbench.types.losses import ClassLogits, LossSpec
from ganbench.types.metrics import Measurement, Metric, MetricContext, MetricSpec
from ganbench.types.models import OWN_OBJECTIVE, Critic, HParams, ModelSpec, Objective
from ganbench.types.options import RunOptions, whole_number
from ganbench.types.plans import StabiliserChoice, TrialPlan
from ganbench.types.records import Record, normalise_name
from ganbench.types.search import IntRange, LogUniform, OneOf, Uniform
from ganbench.types.stabilisers import Stabiliser, StabiliserSpec
from ganbench.types.streaming import StreamedDataset

__all__ = [
    "INTERRUPTED_REASON",
    "OWN_OBJECTIVE",
    "STATUSES",
    "CheckpointPicture",
    "CheckpointValue",
    "ClassLogits",
    "CommandContext",
    "CommandHandler",
    "Commands",
    "Critic",
    "DataOptions",
    "DataShape",
    "DataUnavailable",
    "Dataset",
    "DatasetSpec",
    "Executor",
    "ExecutorSpec",
    "HParams",
    "IntRange",
    "LogContext",
    "LogUniform",
    "LoggerSpec",
    "Interrupted",
    "LossSpec",
    "Measurement",
    "Metric",
    "MetricContext",
    "MetricSpec",
    "ModelSpec",
    "Objective",
    "OneOf",
    "Record",
    "RunOptions",
    "Scalar",
    "Stabiliser",
    "StabiliserChoice",
    "StabiliserSpec",
    "StreamedDataset",
    "TrialLogger",
    "TrialPlan",
    "TrialResult",
    "Uniform",
    "Usage",
    "flat_params",
    "trial_name",
    "interrupted_result",
    "normalise_name",
    "whole_number",
]
