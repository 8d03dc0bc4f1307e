"""Early stopping and plateau learning-rate scaling on a monitored loss, with the Keras semantics.

Both are plain Python state machines updated once per epoch, so they are tested on scripted
loss sequences and saved in checkpoints as JSON dicts.
"""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass
class EarlyStopping:
    """Stop after `patience` epochs in which the loss did not fall by more than `min_delta`."""

    patience: int = 3
    min_delta: float = 0.0
    best: float = math.inf
    best_epoch: int = -1
    wait: int = 0

    def update(self, epoch: int, loss: float) -> tuple[bool, bool]:
        """Record `loss` of `epoch`; return (whether it is a new best, whether to stop now)."""
        if loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = loss, epoch, 0
            return True, False
        self.wait += 1
        return False, self.wait >= self.patience

    def state_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class PlateauScaler:
    """Multiply the learning rate by `factor` after `patience` epochs without an improvement over `min_delta`."""

    factor: float = 0.2
    patience: int = 2
    min_delta: float = 1e-4
    min_lr: float = 0.0
    best: float = math.inf
    wait: int = 0

    def update(self, loss: float, learning_rate: float) -> float:
        """Record `loss`; return the learning rate for the next epoch."""
        if loss < self.best - self.min_delta:
            self.best, self.wait = loss, 0
            return learning_rate
        self.wait += 1
        if self.wait >= self.patience:
            self.wait = 0
            return max(learning_rate * self.factor, self.min_lr)
        return learning_rate

    def state_dict(self) -> dict:
        return dataclasses.asdict(self)
