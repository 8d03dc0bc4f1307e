"""Ablation step 4: the dropout model with early stopping and plateau learning-rate scaling.

    python train_fer.py --config configs/early_stopping.py --data-dir DIR --workdir runs/early_stopping
"""

from configs import dropout


def get_config():
    config = dropout.get_config()
    config.train.epochs = 50
    config.train.early_stopping.enabled = True
    config.train.plateau.enabled = True
    return config
