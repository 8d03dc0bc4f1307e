import pytest

from zoo.training.callbacks import EarlyStopping, PlateauScaler


def run_early_stopping(losses, **kwargs):
    stopper = EarlyStopping(**kwargs)
    for epoch, loss in enumerate(losses, start=1):
        _, stop = stopper.update(epoch, loss)
        if stop:
            return epoch, stopper.best_epoch
    return None, stopper.best_epoch


def test_early_stopping_waits_patience_epochs():
    assert run_early_stopping([1.0, 0.9, 0.95, 0.93, 0.91, 0.5], patience=3) == (5, 2)


def test_early_stopping_resets_on_improvement():
    assert run_early_stopping([1.0, 1.1, 0.9, 1.0, 1.0, 0.8, 0.9], patience=3) == (None, 6)


def test_early_stopping_min_delta_ignores_tiny_gains():
    assert run_early_stopping([1.0, 0.999, 0.998, 0.997], patience=3, min_delta=0.01) == (4, 1)


def test_early_stopping_reports_new_best():
    stopper = EarlyStopping(patience=2)
    assert stopper.update(1, 1.0) == (True, False)
    assert stopper.update(2, 1.2) == (False, False)
    assert stopper.update(3, 1.1) == (False, True)


def run_plateau(losses, learning_rate=1e-3, **kwargs):
    scaler = PlateauScaler(**kwargs)
    rates = []
    for loss in losses:
        learning_rate = scaler.update(loss, learning_rate)
        rates.append(learning_rate)
    return rates


def test_plateau_scales_after_patience_and_restarts_count():
    rates = run_plateau([1.0, 1.0, 1.0, 1.0, 1.0], factor=0.2, patience=2, min_delta=1e-4)
    assert rates == pytest.approx([1e-3, 1e-3, 2e-4, 2e-4, 4e-5])


def test_plateau_min_delta_counts_tiny_gains_as_plateau():
    rates = run_plateau([1.0, 0.99995, 0.9999], factor=0.5, patience=2, min_delta=1e-4)
    assert rates == pytest.approx([1e-3, 1e-3, 5e-4])


def test_plateau_respects_min_lr():
    rates = run_plateau([1.0] * 7, factor=0.1, patience=1, min_delta=0.0, min_lr=1e-5)
    assert rates[-1] == pytest.approx(1e-5)


def test_state_dict_round_trip():
    stopper = EarlyStopping(patience=4)
    stopper.update(1, 0.7)
    stopper.update(2, 0.8)
    restored = EarlyStopping(**stopper.state_dict())
    assert restored == stopper
