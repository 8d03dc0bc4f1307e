"""Ablation step 5: early stopping and plateau scaling plus random zoom (±30%) and horizontal flip.

    python train_fer.py --config configs/augment.py --data-dir DIR --workdir runs/augment
"""

from configs import early_stopping


def get_config():
    config = early_stopping.get_config()
    config.train.augment.enabled = True
    return config
