"""Where a run's wall time went: start-up, preparation, training, evaluation and the rest.

A fixed budget is only fair if the harness costs little beside it, so every run states the
split (for its last invocation: a resumed run's earlier parts are not added up).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import ganbench


@dataclass
class TimeSplit:
    start_up: float  # from importing ganbench (near the process start) to planning: imports, parsing
    preparation: float  # plugins, the data set and the metrics (a feature network's first training included)
    trials_wall: float  # running the trials, as the driver's clock saw it
    training: float  # budgeted training time, summed over the trials that ran
    evaluation: float  # checkpoint evaluation, summed over the trials that ran
    trials: int

    @property
    def parallel(self) -> bool:
        """Trials ran side by side (a pool or Ray): their summed times exceed the driver's wall time."""
        return self.training + self.evaluation > self.trials_wall * 1.01

    def parts(self) -> dict[str, float]:
        """Seconds per part; with parallel trials, trial parts are worker-seconds and 'other' is unknown."""
        parts = {
            "start-up": self.start_up,
            "preparation": self.preparation,
            "training": self.training,
            "evaluation": self.evaluation,
        }
        if not self.parallel:
            parts["other"] = max(0.0, self.trials_wall - self.training - self.evaluation)
        return parts

    def training_share(self) -> float:
        total = sum(self.parts().values())
        return self.training / total if total > 0 else float("nan")

    def text(self) -> str:
        parts = self.parts()
        total = sum(parts.values())
        shown = ", ".join(f"{name} {seconds:.1f} s ({seconds / total:.0%})" for name, seconds in parts.items())
        where = (
            "trial times summed over parallel workers"
            if self.parallel
            else "other: building models, sample pictures, saving weights, storing results"
        )
        return (
            f"{shown}; {self.trials} trials, {self.start_up + self.preparation + self.trials_wall:.1f} s wall ({where})"
        )

    def then(self, later: TimeSplit) -> TimeSplit:
        """This part of an invocation followed by a later one: start-up once, the rest added up."""
        return TimeSplit(
            self.start_up,
            self.preparation + later.preparation,
            self.trials_wall + later.trials_wall,
            self.training + later.training,
            self.evaluation + later.evaluation,
            self.trials + later.trials,
        )

    def to_dict(self) -> dict:
        return asdict(self)


def since_start(now: float) -> float:
    return now - ganbench.STARTED
